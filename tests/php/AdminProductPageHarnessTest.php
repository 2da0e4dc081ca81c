<?php

namespace KerioSingle\Tests;

use KerioSingle\Harness\AdminProductPage;
use KerioSingle\Harness\ModuleLoader;
use KerioSingle\Harness\Whmcs;
use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Database\Capsule;

/**
 * The harness's admin product page behaves like WHMCS 8's Module Settings tab (issue 18 item 1;
 * evidence in harness/README.md): watched from the probe module, not from kerioSingle.
 */
final class AdminProductPageHarnessTest extends ModuleTestCase
{
    private const PROBE = 'probeModule';

    private Whmcs $probe;

    protected function setUp(): void
    {
        parent::setUp();
        ModuleLoader::install(self::PROBE, __DIR__ . '/fixtures/probeModule');
        $GLOBALS['probeModuleCalls'] = [];
        $GLOBALS['probeModuleSettings'] = [
            'size' => ['Type' => 'text', 'Default' => '10', 'SimpleMode' => true],
            'colour' => ['Type' => 'text', 'Default' => 'blue'],
            'enabled' => ['Type' => 'yesno', 'Default' => 'on', 'SimpleMode' => true],
            'backups' => ['Type' => 'yesno', 'Default' => 'on'],
        ];
        $this->probe = new Whmcs(self::PROBE);
    }

    protected function tearDown(): void
    {
        unset($GLOBALS['probeModuleSettings']);
        parent::tearDown();
    }

    public function testTheTabLoadsByAjaxTwiceFirstWithoutIsAddonWithOnlyTheAjaxBody(): void
    {
        $productId = $this->probe->addProduct('Probe');

        $this->probe->productPage($productId)->open();

        $calls = $GLOBALS['probeModuleCalls'];
        $this->assertCount(2, $calls);
        $this->assertArrayNotHasKey('isAddon', $calls[0]['params']);
        $this->assertFalse($calls[1]['params']['isAddon']);
        foreach ($calls as $call) {
            $this->assertSame([], $call['get'], 'the page\'s query string is not sent');
            $this->assertSame(['action', 'module', 'servergroup', 'id', 'type', 'atype', 'mode'], array_keys($call['post']));
            $this->assertSame((string) $productId, $call['post']['id']);
            $this->assertSame('module-settings', $call['post']['action']);
        }
        $this->assertSame('simple', $calls[1]['post']['mode']);
    }

    public function testAFieldWithSimpleModeOpensTheTabInSimpleModeWithASwitchToAdvanced(): void
    {
        $page = $this->probe->productPage($this->probe->addProduct('Probe'));

        $this->assertSame(['size', 'enabled'], array_keys($page->open()));
        $this->assertTrue($page->offersAdvancedMode());
        $this->assertSame(['size', 'colour', 'enabled', 'backups'], array_keys($page->open(AdminProductPage::ADVANCED)));
    }

    public function testWithoutSimpleModeFieldsTheTabOpensInAdvancedMode(): void
    {
        $GLOBALS['probeModuleSettings'] = ['size' => ['Type' => 'text'], 'colour' => ['Type' => 'text']];
        $page = $this->probe->productPage($this->probe->addProduct('Probe'));

        $this->assertSame(['size', 'colour'], array_keys($page->open()));
        $this->assertFalse($page->offersAdvancedMode());
    }

    public function testSaveInSimpleModePostsOnlyTheDrawnFieldsAndANewProductStoresNoneOfTheOthers(): void
    {
        $productId = $this->probe->addProduct('Probe');
        $page = $this->probe->productPage($productId);
        $page->open();

        $page->save(['size' => '25']);

        $stored = $this->configOptions($productId);
        $this->assertSame(['25', '', 'on', ''], $stored, 'colour and backups were not drawn: their Defaults are never stored');
    }

    public function testSaveKeepsTheStoredValuesOfFieldsNotDrawnAndStoresAnUntickedBoxAsEmpty(): void
    {
        $productId = $this->probe->addProduct('Probe');
        $this->probe->saveModuleSettings($productId, ['colour' => 'red', 'backups' => true]);
        $page = $this->probe->productPage($productId);
        $page->open();

        $this->assertSame(['size' => '10', 'enabled' => 'on'], $page->formValues(), 'a saved product draws its stored values');
        $page->save(['enabled' => false]);

        $this->assertSame(['10', 'red', '', 'on'], $this->configOptions($productId));
    }

    public function testAFieldThatIsNotDrawnCannotBeTyped(): void
    {
        $page = $this->probe->productPage($this->probe->addProduct('Probe'));
        $page->open();

        $this->expectException(\InvalidArgumentException::class);
        $this->expectExceptionMessage('not shown in simple mode');
        $page->save(['colour' => 'green']);
    }

    /** @return list<string> configoption1..4 of the product */
    private function configOptions(int $productId): array
    {
        $row = (array) Capsule::table('tblproducts')->where('id', $productId)->first();
        return [$row['configoption1'], $row['configoption2'], $row['configoption3'], $row['configoption4']];
    }

    public function testSaveRewritesTheGroupLinksFromTheGroupsTheFormDrewTicked(): void
    {
        $productId = $this->probe->addProduct('Probe');
        $kept = (int) Capsule::table('tblproductconfiggroups')->insertGetId(['name' => 'kept']);
        Capsule::table('tblproductconfiglinks')->insert(['gid' => $kept, 'pid' => $productId]);
        $page = $this->probe->productPage($productId);
        $page->open();
        $late = (int) Capsule::table('tblproductconfiggroups')->insertGetId(['name' => 'linked after the form was drawn']);
        Capsule::table('tblproductconfiglinks')->insert(['gid' => $late, 'pid' => $productId]);

        $page->save();

        $this->assertSame([$kept], Capsule::table('tblproductconfiglinks')->where('pid', $productId)->pluck('gid')->map('intval')->all());
    }

    public function testTheModuleHookListIsRebuiltWhenAProductIsSavedNotWhenItIsCreated(): void
    {
        $productId = $this->probe->addProduct('Probe');
        $this->assertSame('', \KerioSingle\Harness\Settings::get(\KerioSingle\Harness\Hooks::MODULE_LIST));
        $seen = [];
        add_hook('ProductEdit', 99, static function (array $vars) use (&$seen): void {
            $seen[] = \KerioSingle\Harness\Settings::get(\KerioSingle\Harness\Hooks::MODULE_LIST);
        });

        $page = $this->probe->productPage($productId);
        $page->open();
        $page->save();

        $this->assertSame([self::PROBE], $seen, 'rebuilt before ProductEdit runs');
    }
}
