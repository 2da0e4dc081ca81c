<?php

namespace KerioSingle\Tests;

use KerioSingle\Tests\Support\ModuleTestCase;

/**
 * What the admin does before the first order: Test Connection on the server, Module Settings on the
 * product (ConfigOptions and the order-form custom fields it maintains).
 */
final class ServerAndProductSetupTest extends ModuleTestCase
{
    public function testConfigOptionsKeepTheirReleasedOrder(): void
    {
        $keys = array_keys($this->whmcs->openModuleSettings($this->whmcs->addProduct('Mailbox')));

        $this->assertSame(
            ['domains', 'quota_mb', 'terminate_mode', 'archive_mailbox', 'allow_downgrade_below_usage', 'sso', 'password_min_length',
                'max_aliases', 'forwarding', 'max_forward_targets', 'create_options_group', 'mail_import', 'kept_mail_days',
                'reserved_names'],
            $keys
        );
    }

    public function testModuleSettingsCreateTheOrderFormFieldsWithTheServersDomains(): void
    {
        $this->addServer();
        $productId = $this->addProduct();

        $fields = $this->whmcs->productCustomFields($productId);

        $this->assertSame(['localpart', 'maildomain', 'password', 'givenname', 'surname', 'quota', 'kerio_id'], array_keys($fields));
        $this->assertSame('localpart|Mailbox name', $fields['localpart']->fieldname);
        $this->assertSame('dropdown', $fields['maildomain']->fieldtype);
        $onServer = array_column($this->emulator->state()['domains'], 'name');
        sort($onServer);
        $this->assertContains('example.com', $onServer);
        $this->assertSame(implode(',', $onServer), $fields['maildomain']->fieldoptions);
        $this->assertSame('password', $fields['password']->fieldtype);
        $this->assertSame('on', $fields['localpart']->required);
        $this->assertSame('on', $fields['quota']->adminonly);
        $this->assertSame('on', $fields['kerio_id']->adminonly);
        $this->assertSame('', $fields['localpart']->adminonly);
    }

    public function testTheDomainDropdownOnlyOffersTheProductsDomainsThatExistOnTheServer(): void
    {
        $this->addServer();

        $productId = $this->addProduct(['domains' => 'example.org, missing.example']);

        $this->assertSame('example.org', $this->whmcs->productCustomFields($productId)['maildomain']->fieldoptions);
    }

    public function testAProductSellingADomainTheServersAdminCannotManageIsFlaggedUnderDomains(): void
    {
        $login = 'accounts' . bin2hex(random_bytes(3));
        $this->emulator->addAdmin($login, 'example.com', 'Acc0unt-Secret', 'AccountAdmin');
        $this->addServer(['username' => $login . '@example.com', 'password' => 'Acc0unt-Secret']);
        $productId = $this->addProduct(['domains' => 'example.com, example.org']);

        $description = (string) $this->whmcs->openModuleSettings($productId)['domains']['Description'];

        $this->assertStringContainsString('id="kerioSingleDomainsNote"', $description);
        $this->assertStringContainsString('cannot manage mailboxes in example.org:', $description);
        $this->assertStringContainsString('Kerio role AccountAdmin', $description);
        $this->assertStringNotContainsString('Acc0unt-Secret', $description);
        $this->assertSame('example.com', $this->whmcs->productCustomFields($productId)['maildomain']->fieldoptions);
    }

    public function testAProductSellingOnlyManageableDomainsHasNoNote(): void
    {
        $this->addServer();
        $productId = $this->addProduct(['domains' => 'example.com']);

        $this->assertStringNotContainsString('kerioSingleDomainsNote', (string) $this->whmcs->openModuleSettings($productId)['domains']['Description']);
    }

    public function testModuleSettingsWorkWithoutAReachableServer(): void
    {
        $this->addServer(['port' => 1]);

        $listed = $this->addProduct(['domains' => 'example.com,example.org']);
        $unlisted = $this->addProduct();

        $this->assertSame('example.com,example.org', $this->whmcs->productCustomFields($listed)['maildomain']->fieldoptions);
        $fields = $this->whmcs->productCustomFields($unlisted);
        $this->assertCount(7, $fields);
        $this->assertSame('', $fields['maildomain']->fieldoptions);
    }

    public function testSavingAgainKeepsTheAdminsLabelsAndDoesNotDuplicateFields(): void
    {
        $this->addServer();
        $productId = $this->addProduct();
        \WHMCS\Database\Capsule::table('tblcustomfields')->where('relid', $productId)
            ->where('fieldname', 'localpart|Mailbox name')->update(['fieldname' => 'localpart|Postfachname']);

        $this->whmcs->saveModuleSettings($productId, ['quota_mb' => '2048']);

        $fields = $this->whmcs->productCustomFields($productId);
        $this->assertCount(7, $fields);
        $this->assertSame('localpart|Postfachname', $fields['localpart']->fieldname);
    }

    public function testTestConnectionSucceedsWithThePinnedFingerprint(): void
    {
        $this->assertSame(['success' => true, 'error' => ''], $this->whmcs->testConnection($this->addServer()));
    }

    public function testTestConnectionWithoutTrustShowsTheFingerprintToPin(): void
    {
        $serverId = $this->addServer(['accesshash' => '']);

        $answer = $this->whmcs->testConnection($serverId);

        $this->assertFalse($answer['success']);
        $this->assertSame('tls', $this->lastErrorCode());
        $this->assertStringContainsString(self::compactFingerprint($this->emulator->fingerprint()), self::compactFingerprint($answer['error']));
    }

    public function testTestConnectionWithAWrongFingerprintIsRefused(): void
    {
        $serverId = $this->addServer(['accesshash' => 'tls_fingerprint = ' . str_repeat('AB:', 31) . 'AB']);

        $answer = $this->whmcs->testConnection($serverId);

        $this->assertFalse($answer['success']);
        $this->assertSame('tls', $this->lastErrorCode());
    }

    public function testTestConnectionWithAWrongPasswordSaysSo(): void
    {
        $answer = $this->whmcs->testConnection($this->addServer(['password' => 'wrong']));

        $this->assertFalse($answer['success']);
        $this->assertSame('auth_failed', $this->lastErrorCode());
    }

    public function testTestConnectionWithAnAdminWhoCannotManageUsersSaysPermission(): void
    {
        $login = 'auditor' . bin2hex(random_bytes(3));
        $this->emulator->addAdmin($login, 'example.com', 'Audit0r-Secret', 'Auditor');

        $answer = $this->whmcs->testConnection($this->addServer(['username' => $login . '@example.com', 'password' => 'Audit0r-Secret']));

        $this->assertFalse($answer['success']);
        $this->assertSame('permission', $this->lastErrorCode());
    }

    public function testTestConnectionToAClosedPortSaysSo(): void
    {
        $answer = $this->whmcs->testConnection($this->addServer(['port' => 1]));

        $this->assertFalse($answer['success']);
        $this->assertSame('connection', $this->lastErrorCode());
    }

    /**
     * @return iterable<string, array{0: string, 1: string}>
     */
    public static function malformedAccessHashes(): iterable
    {
        yield 'line without =' => ["tls_fingerprint AB:CD", 'line 1 is not of the form'];
        yield 'unknown key' => ["timeout = 10\nverify = off", 'line 2 uses the unknown key "verify"'];
        yield 'empty value' => ["webmail_url =", 'line 1 is not of the form'];
        yield 'timeout not a number' => ["timeout = soon", 'timeout must be a whole number'];
        yield 'timeout too large' => ["timeout = 3600", 'timeout must be a whole number'];
    }

    /**
     * @dataProvider malformedAccessHashes
     */
    public function testAMalformedAccessHashIsExplainedBeforeAnythingIsSent(string $accessHash, string $expected): void
    {
        $serverId = $this->addServer(['accesshash' => $accessHash]);
        $this->emulator->resetStats();

        $answer = $this->whmcs->testConnection($serverId);

        $this->assertFalse($answer['success']);
        $this->assertStringContainsString($expected, $answer['error']);
        $this->assertSame(0, $this->emulator->stats()['total']);
    }

    public function testAWebmailUrlWithCredentialsIsRefusedWithoutRepeatingThem(): void
    {
        $serverId = $this->addServer(['accesshash' => "webmail_url = https://admin:Web-Secr3t@mail.example.com/webmail/"]);

        $answer = $this->whmcs->testConnection($serverId);

        $this->assertFalse($answer['success']);
        $this->assertStringContainsString('must not contain a user name or password', $answer['error']);
        $this->assertStringNotContainsString('Web-Secr3t', $answer['error']);
    }

    public function testCommentsAndBlankLinesInTheAccessHashAreFine(): void
    {
        $fields = $this->emulator->serverFields();
        $serverId = $this->addServer(['accesshash' => "# pinned on install\n\n" . $fields['accesshash'] . "\n"]);

        $this->assertTrue($this->whmcs->testConnection($serverId)['success']);
    }

    private static function compactFingerprint(string $text): string
    {
        return strtoupper((string) preg_replace('/[^0-9a-fA-F]/', '', $text));
    }
}
