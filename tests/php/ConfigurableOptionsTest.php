<?php

namespace KerioSingle\Tests;

use KerioSingle\Harness\AdminProductPage;
use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Database\Capsule;
use WHMCS\Module\Server\kerioSingle\ConfigurableOptionsGroup;

/**
 * Configurable Options (issue 12): the ready group the admin asks for in the Module Settings (issue 18),
 * `quota_mb` / `extra_storage_gb` / `max_aliases` applied at create and at an options upgrade or
 * downgrade, their bad values, and the effective values the admin tab shows.
 */
final class ConfigurableOptionsTest extends ModuleTestCase
{
    /** Journey (b): the group is created through Save + ProductEdit, survives the link rewrite, and is not orderable for free. */
    public function testTheGroupIsCreatedThroughSaveAndProductEditHiddenAndUnpriced(): void
    {
        $productId = $this->addProduct();
        $page = $this->whmcs->productPage($productId);
        $page->open(AdminProductPage::ADVANCED);

        $page->save(['create_options_group' => true]);

        $group = Capsule::table('tblproductconfiggroups')->first();
        $this->assertNotNull($group, 'created by the ProductEdit hook');
        $this->assertSame(1, Capsule::table('tblproductconfiglinks')->where('gid', $group->id)->where('pid', $productId)->count(), 'linked after Save rewrote the links');
        $options = Capsule::table('tblproductconfigoptions')->where('gid', $group->id)->orderBy('order')->get();
        $this->assertSame(['quota_mb|Mailbox size', 'max_aliases|Aliases'], $options->pluck('optionname')->all());
        $this->assertSame(['1', '4'], $options->pluck('optiontype')->map(static fn ($type): string => (string) $type)->all(), 'dropdown, quantity');
        $this->assertSame([1, 1], $options->pluck('hidden')->map('intval')->all(), 'not offered until staff show it');
        $sizes = Capsule::table('tblproductconfigoptionssub')->where('configid', $options[0]->id)->orderBy('sortorder')->pluck('optionname')->all();
        $this->assertSame('1024|1 GB', $sizes[0]);
        $this->assertSame(0, Capsule::table('tblpricing')->where('type', 'configoptions')->count(), 'no 0.00 prices');
        $this->assertSame('', (string) Capsule::table('tblproducts')->where('id', $productId)->value('configoption11'), 'the setting switched itself off');
        $status = (string) $page->drawnFields()['create_options_group']['Description'];
        $this->assertStringContainsString('Configurable Options group #' . $group->id . ' is linked', $status, 'the page says what happened');
        $this->assertStringContainsString('cannot order them', $status);

        $page->save();
        $this->assertSame(1, Capsule::table('tblproductconfiglinks')->where('gid', $group->id)->where('pid', $productId)->count(), 'kept by the next Save');
        $this->assertSame(1, Capsule::table('tblproductconfiggroups')->count());
    }

    public function testCustomersCannotOrderTheNewGroupUntilStaffPriceAndShowIt(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct(['create_options_group' => true]);
        $serviceId = $this->order($productId, $serverId);

        try {
            $this->whmcs->chooseConfigOptions($serviceId, ['quota_mb' => '51200']);
            $this->fail('a hidden option is not on the order form');
        } catch (\InvalidArgumentException $hidden) {
            $this->assertStringContainsString('hidden', $hidden->getMessage());
        }
        $this->whmcs->offerConfigurableOptionsGroup((int) Capsule::table('tblproductconfiggroups')->value('id'), '4.00');
        $this->whmcs->chooseConfigOptions($serviceId, ['quota_mb' => '51200']);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $this->assertSame(51200, $this->kerioQuotaMb($serviceId));
    }

    public function testQuotaOptionAndExtraStorageApplyAtCreate(): void
    {
        [$serverId, $productId] = $this->productWithOptions(['quota_mb' => '1024']);
        $serviceId = $this->order($productId, $serverId);
        $this->whmcs->chooseConfigOptions($serviceId, ['quota_mb' => '5120', 'extra_storage_gb' => 2, 'max_aliases' => 3]);

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));

        $this->assertSame(5120 + 2048, $this->kerioQuotaMb($serviceId));
        $this->assertSame('7168', $this->whmcs->customFieldValue($serviceId, 'quota'));
        $this->assertSame('Mailbox size 7168 MB, up to 3 alias(es)', (string) $this->whmcs->adminServicesTabFields($serviceId)['Plan']);
    }

    public function testAnOptionsUpgradeRaisesTheQuotaAndADowngradeBelowUsageIsRefused(): void
    {
        [$serverId, $productId] = $this->productWithOptions(['quota_mb' => '1024']);
        $serviceId = $this->order($productId, $serverId);
        $this->whmcs->chooseConfigOptions($serviceId, ['quota_mb' => '2048']);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));

        $this->assertSame('success', $this->whmcs->changeConfigOptions($serviceId, ['quota_mb' => '10240']));
        $this->assertSame(10240, $this->kerioQuotaMb($serviceId));
        $this->assertSame('10240', $this->whmcs->customFieldValue($serviceId, 'quota'));

        $this->emulator->setUsage($this->address($serviceId), 1500 * 1024 * 1024);
        $result = $this->whmcs->changeConfigOptions($serviceId, ['quota_mb' => '1024']);
        $this->assertNotSame('success', $result);
        $this->assertSame('quota_below_usage', $this->lastErrorCode());
        $this->assertSame(10240, $this->kerioQuotaMb($serviceId));
        $this->assertSame('10240', $this->whmcs->customFieldValue($serviceId, 'quota'));

        $this->assertSame('success', $this->whmcs->changeConfigOptions($serviceId, ['quota_mb' => '2048']));
        $this->assertSame(2048, $this->kerioQuotaMb($serviceId));
    }

    public function testALowerAliasLimitThanTheMailboxHasIsRefusedNamingTheAliases(): void
    {
        [$serverId, $productId] = $this->productWithOptions(['quota_mb' => '1024', 'max_aliases' => '5']);
        $serviceId = $this->order($productId, $serverId);
        $this->whmcs->chooseConfigOptions($serviceId, ['quota_mb' => '1024', 'max_aliases' => 3]);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $address = $this->address($serviceId);
        $local = strstr($address, '@', true);
        $aliases = [$local . '-a', $local . '-b'];
        $this->emulator->setAliases($address, $aliases);

        $result = $this->whmcs->changeConfigOptions($serviceId, ['quota_mb' => '2048', 'max_aliases' => 1]);

        $this->assertStringContainsString('allows 1 alias(es), but the mailbox has 2', $result);
        $this->assertStringContainsString($aliases[0], $result);
        $this->assertStringContainsString($aliases[1], $result);
        // WHMCS runs ChangePackage once per changed option: the quota step went through on its own
        $this->assertSame(2048, $this->kerioQuotaMb($serviceId), 'the quota step was applied; only the alias step was refused');
        $this->assertSame('success', $this->whmcs->changeConfigOptions($serviceId, ['max_aliases' => 2]));
        $this->assertSame(2048, $this->kerioQuotaMb($serviceId));
    }

    /**
     * @return iterable<string, array{0: array<string, string|int>, 1: string}>
     */
    public static function badOptionValues(): iterable
    {
        yield 'quota negative' => [['quota_mb' => '-5'], 'Configurable Option "quota_mb" must be a mailbox size in MB as a whole number'];
        yield 'quota not a number' => [['quota_mb' => 'big'], 'Configurable Option "quota_mb" must be a mailbox size in MB as a whole number'];
        yield 'quota huge' => [['quota_mb' => '99999999999'], 'Configurable Option "quota_mb" must be'];
        yield 'quota above Kerio maximum' => [['quota_mb' => '2000000000'], 'Configurable Option "quota_mb" may be at most 1073741824'];
        yield 'quota markup' => [['quota_mb' => '<b>1</b>'], 'it is "?b?1??b?"'];
        yield 'extra storage negative' => [['extra_storage_gb' => -1], 'Configurable Option "extra_storage_gb" must be a number of GB'];
        yield 'extra storage huge' => [['extra_storage_gb' => 1048577], 'Configurable Option "extra_storage_gb" may be at most 1048576'];
        yield 'quota plus extra above maximum' => [['quota_mb' => '1073741824', 'extra_storage_gb' => 1], 'larger than the supported maximum'];
        yield 'aliases negative' => [['max_aliases' => -3], 'Configurable Option "max_aliases" must be a number of aliases'];
        yield 'aliases huge' => [['max_aliases' => 5000], 'Configurable Option "max_aliases" may be at most 1000'];
    }

    /**
     * @dataProvider badOptionValues
     * @param array<string, string|int> $choices
     */
    public function testABadOptionValueIsRefusedAtCreateWithoutTouchingKerio(array $choices, string $message): void
    {
        [$serverId, $productId] = $this->productWithOptions(['quota_mb' => '1024'], array_keys($choices));
        $serviceId = $this->order($productId, $serverId);
        $this->whmcs->chooseConfigOptions($serviceId, $choices);
        $this->emulator->resetStats();

        $result = $this->whmcs->moduleAction($serviceId, 'create');

        $this->assertStringContainsString($message, $result);
        $this->assertSame(0, $this->emulator->stats()['total'], 'Kerio is not asked');
        $this->assertSame('Pending', $this->whmcs->service($serviceId)->domainstatus);
    }

    public function testUpdateQuotaWithoutAFigureRecordsTheEffectiveQuota(): void
    {
        [$serverId, $productId] = $this->productWithOptions(['quota_mb' => '1024']);
        $serviceId = $this->order($productId, $serverId);
        $this->whmcs->chooseConfigOptions($serviceId, ['quota_mb' => '2048', 'extra_storage_gb' => 1]);
        $params = \KerioSingle\Harness\ParamsBuilder::forService($serviceId, 'kerioSingle');

        $this->assertSame('success', kerioSingleUpdateQuota($params));

        $this->assertSame('3072', $this->whmcs->customFieldValue($serviceId, 'quota'));
    }

    /**
     * A server and a product with the ready group plus (as an admin would add by hand) an
     * `extra_storage_gb` quantity and, for the bad-value cases, sub-options carrying those values.
     *
     * @param array<string, string|bool> $settings
     * @param list<string>               $rawOptions options whose sub-options take any value the test chooses
     * @return array{0: int, 1: int} server id, product id
     */
    private function productWithOptions(array $settings, array $rawOptions = []): array
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct($settings);
        $groupId = ConfigurableOptionsGroup::ensureFor($productId)['group_id'];
        $this->whmcs->offerConfigurableOptionsGroup($groupId, '1.00');
        $extraId = Capsule::table('tblproductconfigoptions')->insertGetId([
            'gid' => $groupId, 'optionname' => 'extra_storage_gb|Extra storage (GB)', 'optiontype' => '4', 'qtymaximum' => 100, 'order' => 3,
        ]);
        Capsule::table('tblproductconfigoptionssub')->insert(['configid' => $extraId, 'optionname' => 'GB']);
        if (in_array('quota_mb', $rawOptions, true)) {
            $quotaOption = Capsule::table('tblproductconfigoptions')->where('gid', $groupId)->where('optionname', 'like', 'quota_mb|%')->value('id');
            foreach (['-5', 'big', '99999999999', '2000000000', '<b>1</b>', '1073741824'] as $value) {
                Capsule::table('tblproductconfigoptionssub')->insert(['configid' => $quotaOption, 'optionname' => $value . '|odd']);
            }
        }
        return [$serverId, $productId];
    }
}
