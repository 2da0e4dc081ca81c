<?php

namespace KerioSingle\Tests;

use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Database\Capsule;
use WHMCS\Module\Server\kerioSingle\ProductSettings;
use WHMCS\Module\Server\kerioSingle\WelcomeEmail;

/**
 * The WHMCS admin conveniences of issue 12: module settings 8-10, the "Refresh usage" button, the
 * Domains setting's Loader and the product welcome e-mail template.
 */
final class AdminConveniencesTest extends ModuleTestCase
{
    public function testSettingsEightToTenAreAppendedAfterTheFirstSeven(): void
    {
        $keys = array_keys($this->whmcs->openModuleSettings($this->whmcs->addProduct('Mailbox')));

        $this->assertSame(['domains', 'quota_mb', 'terminate_mode', 'archive_mailbox', 'allow_downgrade_below_usage', 'sso',
            'password_min_length', 'max_aliases', 'forwarding', 'max_forward_targets', 'create_options_group', 'mail_import',
            'kept_mail_days', 'reserved_names'], $keys);
        $defaults = ProductSettings::fromParams([]);
        $this->assertSame(0, $defaults->maxAliases());
        $this->assertFalse($defaults->forwardingEnabled());
        $this->assertSame(5, $defaults->maxForwardTargets());
        $set = ProductSettings::fromParams(['configoption8' => '4', 'configoption9' => 'on', 'configoption10' => '2']);
        $this->assertSame([4, true, 2], [$set->maxAliases(), $set->forwardingEnabled(), $set->maxForwardTargets()]);
    }

    /**
     * @return iterable<string, array{0: string, 1: string, 2: string}>
     */
    public static function badSettingValues(): iterable
    {
        yield 'aliases negative' => ['configoption8', '-1', 'Aliases per mailbox" must be a whole number'];
        yield 'aliases not a number' => ['configoption8', 'many', 'Aliases per mailbox" must be a whole number'];
        yield 'aliases huge' => ['configoption8', '99999999999999', 'Aliases per mailbox" may be at most 1000'];
        yield 'targets negative' => ['configoption10', '-2', 'Forwarding addresses (max.)" must be a whole number'];
        yield 'targets huge' => ['configoption10', '1001', 'Forwarding addresses (max.)" may be at most 1000'];
    }

    /**
     * @dataProvider badSettingValues
     */
    public function testABadSettingValueNamesTheSettingAndTheFix(string $column, string $value, string $message): void
    {
        $settings = ProductSettings::fromParams([$column => $value]);
        try {
            $column === 'configoption8' ? $settings->maxAliases() : $settings->maxForwardTargets();
            $this->fail('a bad value must be refused');
        } catch (\WHMCS\Module\Server\kerioSingle\SettingsError $error) {
            $this->assertStringContainsString($message, $error->getMessage());
            $this->assertStringContainsString('Module Settings', $error->getMessage());
        }
    }

    public function testRefreshUsageReadsThisServiceOnlyWithOneUsageCall(): void
    {
        $serviceId = $this->createdService(['quota_mb' => '1024']);
        $other = $this->createdService(['quota_mb' => '1024']);
        $this->emulator->setUsage($this->address($serviceId), 300 * 1024 * 1024);
        $this->emulator->setUsage($this->address($other), 200 * 1024 * 1024);
        $this->emulator->resetStats();

        $this->assertSame('success', $this->whmcs->adminCustomButton($serviceId, 'Refresh usage'));

        $service = $this->whmcs->service($serviceId);
        $this->assertSame([300, 1024], [(int) $service->diskusage, (int) $service->disklimit]);
        $this->assertNotSame('0000-00-00 00:00:00', (string) $service->lastupdate);
        $this->assertSame(0, (int) $this->whmcs->service($other)->diskusage, 'the other service is not touched');
        $methods = $this->emulator->stats()['methods'];
        $this->assertSame(1, $methods['Session.login'] ?? 0, 'one engine session');
        $this->assertSame(1, $methods['Users.get'] ?? 0, 'one page of users');
    }

    public function testRefreshUsageOfAMailboxThatIsGoneSaysSoAndWritesNothing(): void
    {
        $serviceId = $this->createdService();
        Capsule::table('tblhosting')->where('id', $serviceId)->update(['username' => 'gone.' . bin2hex(random_bytes(3)) . '@example.com']);

        $result = $this->whmcs->adminCustomButton($serviceId, 'Refresh usage');

        $this->assertStringContainsString('was not found on the Kerio server', $result);
        $this->assertSame('0000-00-00 00:00:00', (string) $this->whmcs->service($serviceId)->lastupdate);
    }

    public function testTheDomainsSettingLoadsItsOptionsFromTheKerioServer(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct();

        $options = $this->whmcs->loadSettingOptions($productId, 'domains', $serverId);

        $onServer = array_map(static fn (array $domain): string => strtolower((string) $domain['name']), (array) $this->emulator->state()['domains']);
        sort($onServer);
        $loaded = array_keys($options);
        sort($loaded);
        $this->assertSame($onServer, $loaded);
        $this->assertSame(array_keys($options), array_values($options), 'each domain is its own label');
        $definition = $this->whmcs->openModuleSettings($productId)['domains'];
        $this->assertTrue($definition['SimpleMode']);
        $this->assertTrue($definition['Multiple']);
    }

    public function testTheDomainLoaderNamesWhyTheServerDidNotAnswer(): void
    {
        $serverId = $this->addServer(['password' => 'Wrong password 1']);
        $productId = $this->addProduct();

        try {
            $this->whmcs->loadSettingOptions($productId, 'domains', $serverId);
            $this->fail('the loader must throw for WHMCS to show the reason');
        } catch (\RuntimeException $error) {
            $this->assertStringContainsString('Could not read the mail domains from the Kerio server', $error->getMessage());
            $this->assertStringNotContainsString('Wrong password 1', $error->getMessage());
        }
    }

    public function testDomainsPickedFromTheLoaderDropdownAreReadFromWhmcsJson(): void
    {
        $picked = ProductSettings::fromParams(['configoption1' => '["Example.com","example.org"]']);
        $encoded = ProductSettings::fromParams(['configoption1' => htmlspecialchars('["example.com"]', ENT_QUOTES)]);

        $this->assertSame(['example.com', 'example.org'], $picked->domains());
        $this->assertSame(['example.com'], $encoded->domains());
        $this->assertSame(['a.test', 'b.test'], ProductSettings::fromParams(['configoption1' => 'a.test, b.test'])->domains());
    }

    public function testSavingModuleSettingsCreatesTheWelcomeTemplateOnceWithoutThePassword(): void
    {
        $this->addProduct();

        $templates = Capsule::table('tblemailtemplates')->where('name', WelcomeEmail::NAME)->get();
        $this->assertCount(1, $templates);
        $template = $templates[0];
        $this->assertSame('product', $template->type);
        foreach (['{$service_username}', '{$service_server_hostname}', '{$client_name}', 'IMAP', 'SMTP', '/webmail/'] as $part) {
            $this->assertStringContainsString($part, $template->subject . $template->message);
        }
        $this->assertStringNotContainsString('service_password', $template->message);

        Capsule::table('tblemailtemplates')->where('id', $template->id)->update(['message' => 'edited by the admin {$service_password}']);
        $this->addProduct([], 'Second mailbox');

        $this->assertSame(1, Capsule::table('tblemailtemplates')->where('name', WelcomeEmail::NAME)->count());
        $this->assertSame('edited by the admin {$service_password}', Capsule::table('tblemailtemplates')->where('id', $template->id)->value('message'));
    }
}
