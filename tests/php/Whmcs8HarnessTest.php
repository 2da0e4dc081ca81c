<?php

namespace KerioSingle\Tests;

use KerioSingle\Harness\ModuleLoader;
use KerioSingle\Harness\Templates;
use KerioSingle\Tests\Support\ModuleTestCase;

/**
 * The harness behaves like WHMCS 8 where the module depends on it (issue 10; evidence in
 * harness/README.md). Each test watches the harness from a probe module (tests/php/fixtures/probeModule)
 * or from what it stores, not from kerioSingle.
 */
final class Whmcs8HarnessTest extends ModuleTestCase
{
    private const PROBE = 'probeModule';

    protected function setUp(): void
    {
        parent::setUp();
        ModuleLoader::install(self::PROBE, __DIR__ . '/fixtures/probeModule');
        $GLOBALS['probeModuleCalls'] = [];
    }

    public function testAnAddonsModuleSettingsCallConfigOptionsWithIsAddonAndTheAddonId(): void
    {
        $whmcs = new \KerioSingle\Harness\Whmcs(self::PROBE);
        $addonId = $whmcs->addProductAddon('Extra mailbox');

        $whmcs->openAddonModuleSettings($addonId);

        [$first, $second] = $GLOBALS['probeModuleCalls'];
        $this->assertArrayNotHasKey('isAddon', $first['params'], 'the first load carries no isAddon');
        $this->assertTrue($second['params']['isAddon']);
        $this->assertSame((string) $addonId, $second['request']['id']);
    }

    public function testPickingAModuleCallsItsConfigOptionsBeforeTheProductIsSavedWithIt(): void
    {
        $productId = $this->whmcs->addProduct('Not yet a mailbox', '');

        $this->whmcs->pickModuleWithoutSaving($productId, self::PROBE);

        $call = $GLOBALS['probeModuleCalls'][1];
        $this->assertFalse($call['params']['isAddon']);
        $this->assertSame((string) $productId, $call['request']['id']);
        $this->assertSame(self::PROBE, $call['post']['module'], 'the AJAX body names the picked module');
        $this->assertSame('', (string) \WHMCS\Database\Capsule::table('tblproducts')->where('id', $productId)->value('servertype'));
    }

    public function testSavingAProductRunsTheProductEditHooksWithTheSavedModule(): void
    {
        $productId = $this->whmcs->addProduct('Mailbox');
        $seen = [];
        add_hook('ProductEdit', 99, static function (array $vars) use (&$seen): void {
            $seen[] = [$vars['pid'], $vars['servertype']];
        });

        $this->whmcs->switchProductModule($productId, self::PROBE);

        $this->assertSame([[$productId, self::PROBE]], $seen);
    }

    public function testTheClientAreaButtonRunsWithTheClientAndTheAdminButtonWithTheStaffMember(): void
    {
        $whmcs = new \KerioSingle\Harness\Whmcs(self::PROBE);
        $clientId = $whmcs->addClient(['firstname' => 'Jane', 'lastname' => 'Doe', 'email' => 'jane@example.net']);
        $serviceId = $whmcs->placeOrder($clientId, $whmcs->addProduct('Probe'), 0, []);
        \WHMCS\Database\Capsule::table('tblhosting')->where('id', $serviceId)->update(['domainstatus' => 'Active']);
        $adminId = $whmcs->addAdmin('alice');

        $whmcs->singleSignOn($serviceId);
        $whmcs->adminSingleSignOn($serviceId, $adminId);

        [$client, $admin] = array_slice($GLOBALS['probeModuleCalls'], -2);
        $this->assertSame([$clientId, 0], [$client['client'], $client['admin']]);
        $this->assertSame([0, $adminId], [$admin['client'], $admin['admin']]);
        $this->assertNull((new \WHMCS\Authentication\CurrentUser())->admin(), 'the session is restored afterwards');
    }

    public function testCurrentUserKnowsNoDisabledStaffMember(): void
    {
        $adminId = $this->whmcs->addAdmin('mallory');
        \WHMCS\Database\Capsule::table('tbladmins')->where('id', $adminId)->update(['disabled' => 1]);

        $admin = \KerioSingle\Harness\Session::as(0, $adminId, static fn () => (new \WHMCS\Authentication\CurrentUser())->admin());

        $this->assertNull($admin);
    }

    public function testTheDailyCronUpdatesUsageOnlyWhenUpdateUsageStatisticsIsOn(): void
    {
        $whmcs = \KerioSingle\Harness\Whmcs::install(\KerioSingle\Harness\Database::configFromEnvironment(), self::PROBE);
        $serverId = $whmcs->addServer(['hostname' => 'probe.example.net', 'username' => 'x', 'password' => '']);

        $whileOff = $whmcs->runDailyCron();
        $whmcs->updateUsageStatisticsDaily(true);
        $whileOn = $whmcs->runDailyCron();

        $this->assertSame([], $whileOff);
        $this->assertSame([$serverId => 'success'], $whileOn);
        $this->assertSame(['UsageUpdate'], array_column($GLOBALS['probeModuleCalls'], 'function'));
    }

    public function testATemplateNameIsResolvedWithItsTemplatesPrefixAndTheThemesOverride(): void
    {
        $plain = Templates::render(self::PROBE, 'templates/card.tpl', ['word' => 'a&b']);
        Templates::useThemesRoot(__DIR__ . '/fixtures/themes');
        try {
            $overridden = Templates::render(self::PROBE, 'templates/card', ['word' => 'x']);
        } finally {
            Templates::useThemesRoot(null);
        }

        $this->assertSame('module template: a&amp;b', trim($plain), 'not templates/<theme>/card.tpl: the prefix is kept');
        $this->assertSame('theme override: x', trim($overridden));
    }

    /**
     * @dataProvider forbiddenTemplates
     */
    public function testTemplatesRunUnderASmartySecurityPolicy(string $template): void
    {
        $this->expectException(\SmartyException::class);

        Templates::render(self::PROBE, $template, ['word' => 'x']);
    }

    /** @return array<string, array{string}> */
    public function forbiddenTemplates(): array
    {
        return [
            '{php} tag' => ['templates/php-tag.tpl'],
            'super globals' => ['templates/super-globals.tpl'],
            'an arbitrary PHP function' => ['templates/php-function.tpl'],
        ];
    }

    public function testTheSecurityPolicyLeavesFormattingAlone(): void
    {
        $this->assertSame('x 2 has a', trim(Templates::render(self::PROBE, 'templates/allowed.tpl', ['word' => 'x', 'list' => ['a', 'b']])));
    }

    public function testServiceParamsCarryConfigurableOptionsTheModelAndIsAddonAsWhmcsBuildsThem(): void
    {
        $clientId = $this->whmcs->addClient(['firstname' => 'Jane', 'lastname' => 'Doe', 'email' => 'jane@example.net']);
        $productId = $this->whmcs->addProduct('Probe', self::PROBE);
        $serviceId = $this->whmcs->placeOrder($clientId, $productId, 0, []);
        $size = $this->whmcs->addConfigurableOption('size|Mailbox size', 1, ['5gb|5 GB', '10gb|10 GB'], $productId);
        $archive = $this->whmcs->addConfigurableOption('archive|Archiving', 3, [], $productId);
        $extra = $this->whmcs->addConfigurableOption('aliases|Extra aliases', 4, [], $productId);
        $unlinked = $this->whmcs->addConfigurableOption('colour|Colour', 1, ['red']);
        $this->whmcs->chooseConfigurableOption($serviceId, $unlinked, 'red');
        $this->whmcs->chooseConfigurableOption($serviceId, $size, '10gb|10 GB');
        $this->whmcs->chooseConfigurableOption($serviceId, $archive, 1);
        $this->whmcs->chooseConfigurableOption($serviceId, $extra, 3);

        $params = \KerioSingle\Harness\ParamsBuilder::forService($serviceId, self::PROBE);

        $this->assertSame(['size' => '10gb', 'archive' => 1, 'aliases' => 3], $params['configoptions'], 'only groups linked to the product');
        $this->assertInstanceOf(\WHMCS\Service\Service::class, $params['model']);
        $this->assertSame($serviceId, (int) $params['model']->id);
        $this->assertFalse($params['isAddon']);
        $this->assertSame(0, $params['addonId']);
    }

    public function testProductSettingsAreStoredDecoded(): void
    {
        $productId = $this->whmcs->addProduct('Mailbox');

        $this->whmcs->saveModuleSettings($productId, ['archive_mailbox' => 'archive&old@example.com']);

        $this->assertSame('archive&old@example.com', \WHMCS\Database\Capsule::table('tblproducts')->where('id', $productId)->value('configoption4'));
    }

    public function testStaffOpenWebmailShowsTheModulesErrorAsAModuleCommandError(): void
    {
        $whmcs = new \KerioSingle\Harness\Whmcs(self::PROBE);
        $clientId = $whmcs->addClient(['firstname' => 'Jane', 'lastname' => 'Doe', 'email' => 'jane@example.net']);
        $serviceId = $whmcs->placeOrder($clientId, $whmcs->addProduct('Probe'), 0, []);

        $this->assertSame('Module Command Error: probe', $whmcs->adminSingleSignOnAnswer($serviceId, $whmcs->addAdmin('alice')));
    }
}
