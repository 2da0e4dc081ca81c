<?php

namespace KerioSingle\Tests;

use KerioSingle\Harness\ActivityLog;
use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Database\Capsule;
use WHMCS\Module\Server\kerioSingle\CustomFields;
use WHMCS\Module\Server\kerioSingle\OrderForm;
use WHMCS\Module\Server\kerioSingle\OrderRules;
use WHMCS\Module\Server\kerioSingle\PlanNotices;
use WHMCS\Module\Server\kerioSingle\PlanState;

/**
 * Every limit follows the plan (issue 17 items 3, 6, 7): the product's reserved mailbox names,
 * quantity 0 of the storage options, adopt within the product's offered domains, and what a
 * downgrade turns off or flags.
 */
final class PlanLimitsTest extends ModuleTestCase
{
    private const GOOD_PASSWORD = 'Corr3ct-Horse';
    /** A plan with five aliases and forwarding to three targets. */
    private const BIG_PLAN = ['max_aliases' => '5', 'forwarding' => true, 'max_forward_targets' => '3'];
    /** tblproductconfigoptions.optiontype of a dropdown. */
    private const DROPDOWN = 1;
    /** tblproductconfigoptions.optiontype of a quantity. */
    private const QUANTITY = 4;

    public function testTheProductsReservedNamesReplaceTheBuiltInListOnTheOrderFormAtCreateAndForAliases(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct(['reserved_names' => 'Team, board.room', 'max_aliases' => '3']);
        $reserved = ['The mailbox name does not meet these rules: This mailbox name is reserved; choose another one.'];

        $this->assertSame($reserved, $this->validateCart($productId, 'team', 'example.com'));
        $this->assertSame($reserved, $this->validateCart($productId, 'Board.Room', 'example.com'));
        $this->assertSame([], $this->validateCart($productId, 'security', 'example.com'), 'the built-in list is replaced');
        $live = OrderRules::forProduct(OrderRules::product($productId), ['domain' => 'example.com'])['localpart'];
        $this->assertSame(['team', 'board.room'], array_column($live, 'values', 'id')['localpart_reserved'], 'the live check (rules.php) gets the same list');

        $refused = $this->order($productId, $serverId, ['localpart' => 'team']);
        $this->assertStringContainsString('The mailbox name "team" cannot be used', $this->whmcs->moduleAction($refused, 'create'));
        $this->assertSame('Pending', $this->whmcs->service($refused)->domainstatus);

        $serviceId = $this->order($productId, $serverId);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        // the module's text is HTML (WHMCS prints it raw): the customer reads it decoded
        $this->assertStringContainsString('The alias "team" cannot be used', html_entity_decode($this->addAlias($serviceId, 'team'), ENT_QUOTES));
        $this->assertSame('success', $this->addAlias($serviceId, 'info'));
        $this->assertSame(['info@example.com'], $this->emulator->user($this->address($serviceId))['emailAddresses']);
    }

    public function testWithTheSettingEmptyTheBuiltInListApplies(): void
    {
        $productId = $this->addProduct(['reserved_names' => '']);

        foreach (['security', 'no-reply', 'ssl-admin', 'info'] as $name) {
            $this->assertNotSame([], $this->validateCart($productId, $name, 'example.com'), $name);
        }
    }

    public function testAReservedNamesSettingThatIsNoMailboxNameIsRefusedBeforeKerioIsAsked(): void
    {
        $serverId = $this->addServer();
        $serviceId = $this->order($this->addProduct(['reserved_names' => 'team, <b>x</b>']), $serverId);
        $this->emulator->resetStats();

        $result = $this->whmcs->moduleAction($serviceId, 'create');

        $this->assertStringContainsString('Reserved mailbox names', $result);
        $this->assertStringContainsString('not a mailbox name', $result);
        $this->assertSame(0, $this->emulator->stats()['total']);
    }

    public function testQuantityZeroOfTheStorageOptionsIsTheProductsQuotaAtCreateAndOnALaterChangeToZero(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct(['quota_mb' => '2048']);
        $this->linkOptions($productId, [
            'quota_mb|Mailbox size (MB)' => [self::QUANTITY, ['MB']],
            'extra_storage_gb|Extra storage (GB)' => [self::QUANTITY, ['GB']],
        ]);
        $serviceId = $this->order($productId, $serverId);
        $this->whmcs->chooseConfigOptions($serviceId, ['quota_mb' => 0, 'extra_storage_gb' => 0]);

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $this->assertSame(2048, $this->kerioQuotaMb($serviceId), 'quantity 0 = the product\'s quota');

        $this->assertSame('success', $this->whmcs->changeConfigOptions($serviceId, ['quota_mb' => 5120, 'extra_storage_gb' => 1]));
        $this->assertSame(5120 + 1024, $this->kerioQuotaMb($serviceId));

        $this->assertSame('success', $this->whmcs->changeConfigOptions($serviceId, ['quota_mb' => 0, 'extra_storage_gb' => 0]));
        $this->assertSame(2048, $this->kerioQuotaMb($serviceId), 'a later change to 0 is the product\'s quota too');
        $this->assertSame('2048', $this->whmcs->customFieldValue($serviceId, 'quota'));
        $this->assertSame('Mailbox size 2048 MB, up to 0 alias(es)', (string) $this->whmcs->adminServicesTabFields($serviceId)['Plan']);
    }

    public function testOnlyASubOptionNamedUnlimitedSellsAMailboxWithoutALimit(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct(['quota_mb' => '2048']);
        $this->linkOptions($productId, ['quota_mb|Mailbox size' => [self::DROPDOWN, ['0|Standard', '5120|5 GB', 'Unlimited|No limit']]]);
        $serviceId = $this->order($productId, $serverId);
        $this->whmcs->chooseConfigOptions($serviceId, ['quota_mb' => '0']);

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $this->assertSame(2048, $this->kerioQuotaMb($serviceId), 'a sub-option named 0 is the product\'s quota');

        $this->assertSame('success', $this->whmcs->changeConfigOptions($serviceId, ['quota_mb' => 'Unlimited']));
        $this->assertSame(0, $this->kerioQuotaMb($serviceId), 'unlimited');
        $this->assertSame('0', $this->whmcs->customFieldValue($serviceId, 'quota'));
    }

    public function testAdoptIsLimitedToTheDomainDropdownWhenTheDomainsSettingIsEmpty(): void
    {
        $serverId = $this->addServer();
        $serviceId = $this->createdService(['domains' => ''], [], $serverId);
        $productId = (int) $this->whmcs->service($serviceId)->packageid;
        $this->offerOnlyInTheDropdown($productId, 'example.com');
        $this->pointServiceAt($serviceId, $this->unmarkedMailbox('example.org'));
        $before = $this->emulator->state();

        $result = $this->whmcs->adminCustomButton($serviceId, 'Adopt existing mailbox');

        $this->assertStringContainsString('which this product does not sell (example.com)', $result);
        $this->assertSame('not_owned', $this->lastErrorCode());
        $this->assertSame($before, $this->emulator->state());
    }

    public function testAdoptWithNoDomainOfferedIsRefusedSayingToSetTheDomainsFirst(): void
    {
        $serverId = $this->addServer();
        $serviceId = $this->createdService(['domains' => ''], [], $serverId);
        $this->offerOnlyInTheDropdown((int) $this->whmcs->service($serviceId)->packageid, '');
        $this->pointServiceAt($serviceId, $this->unmarkedMailbox('example.com'));
        $before = $this->emulator->state();
        $this->emulator->resetStats();

        $result = $this->whmcs->adminCustomButton($serviceId, 'Adopt existing mailbox');

        $this->assertStringContainsString('Set the product\'s Domains first', $result);
        $this->assertSame(0, $this->emulator->stats()['total'], 'Kerio is not asked');
        $this->assertSame($before, $this->emulator->state());
    }

    public function testADowngradeToNoAliasesAndNoForwardingTurnsForwardingOffKeepsTheAliasesAndSaysSo(): void
    {
        $serverId = $this->addServer();
        $serviceId = $this->createdService(self::BIG_PLAN, [], $serverId);
        [$address, $aliases] = $this->withFiveAliasesAndForwarding($serviceId);
        $smaller = $this->addProduct(['max_aliases' => '0', 'forwarding' => false]);
        $this->emulator->resetStats();

        $this->assertSame('success', $this->whmcs->changePackage($serviceId, $smaller));

        $this->assertSame(4, $this->emulator->stats()['total'], 'login, read, set, logout');
        $this->assertEquals(['mode' => 'UForwardNone', 'emailAddresses' => []], $this->emulator->user($address)['emailForwarding']);
        $this->assertSame($aliases, $this->emulator->user($address)['emailAddresses'], 'the aliases stay');
        $this->assertStringContainsString('does not pay for forwarding to x@example.net, y@example.net', implode("\n", ActivityLog::lines()));
        $logged = Capsule::table('tblmodulelog')->where('action', 'like', '%ChangePackage%')->orderBy('id', 'desc')->first();
        $this->assertStringContainsString('forwarding to x@example.net, y@example.net; it was turned off', (string) $logged->response, 'the module log says so');

        $this->assertStringContainsString('Your plan includes no aliases', $this->addAlias($serviceId, 'extra'));
        $this->assertSame($aliases, $this->emulator->user($address)['emailAddresses'], 'AddAlias refused');

        $row = (string) $this->whmcs->adminServicesTabFields($serviceId)[PlanNotices::ADMIN_ALIASES];
        $this->assertStringContainsString('5 aliases, plan allows 0', $row);
        $page = $this->whmcs->clientArea($serviceId);
        $this->assertStringContainsString('5 aliases, plan allows 0', $page);
        $this->assertStringContainsString('Forwarding to x@example.net, y@example.net was turned off on', $page);

        $this->assertSame('success', $this->whmcs->adminCustomButton($serviceId, 'Remove aliases over the plan'));
        $this->assertSame([], $this->emulator->user($address)['emailAddresses']);
        $this->assertArrayNotHasKey(PlanNotices::ADMIN_ALIASES, $this->whmcs->adminServicesTabFields($serviceId));
    }

    public function testADowngradeToFewerKeepsTheFirstTargetAndTheButtonRemovesTheNewestAliases(): void
    {
        $serverId = $this->addServer();
        $serviceId = $this->createdService(self::BIG_PLAN, [], $serverId);
        [$address, $aliases] = $this->withFiveAliasesAndForwarding($serviceId);

        $smaller = $this->addProduct(['max_aliases' => '2', 'forwarding' => true, 'max_forward_targets' => '1']);
        $this->assertSame('success', $this->whmcs->changePackage($serviceId, $smaller));

        $this->assertEquals(['mode' => 'UForwardDeliver', 'emailAddresses' => ['x@example.net']], $this->emulator->user($address)['emailForwarding']);
        $refused = $this->addAlias($serviceId, 'extra');
        $this->assertStringContainsString('has 5 aliases, but its plan allows 2', $refused);
        $this->assertStringContainsString('5 aliases, plan allows 2', (string) $this->whmcs->adminServicesTabFields($serviceId)[PlanNotices::ADMIN_ALIASES]);
        $this->assertStringContainsString('after you remove 4 of them', $this->whmcs->clientArea($serviceId));

        $this->assertSame('success', $this->whmcs->adminCustomButton($serviceId, 'Remove aliases over the plan'));

        $this->assertSame(array_slice($aliases, 0, 2), $this->emulator->user($address)['emailAddresses'], 'the two oldest stay');
        $this->assertStringContainsString('removed, newest first: ' . implode(', ', array_reverse(array_slice($aliases, 2))), implode("\n", ActivityLog::lines()));
        $this->assertStringContainsString('already has 2 alias(es); this service allows 2', $this->addAlias($serviceId, 'extra'), 'full at 2 of 2');
    }

    public function testARefusedDowngradeIsFlaggedForTheAdminAndTheCustomerUntilAChangeSucceeds(): void
    {
        $serverId = $this->addServer();
        $serviceId = $this->createdService(['quota_mb' => '1024'], [], $serverId);
        $address = $this->address($serviceId);
        $this->emulator->setUsage($address, 600 * 1024 * 1024);

        $this->assertNotSame('success', $this->whmcs->changePackage($serviceId, $this->addProduct(['quota_mb' => '512'])));

        $row = (string) $this->whmcs->adminServicesTabFields($serviceId)[PlanNotices::ADMIN_DOWNGRADE];
        $this->assertMatchesRegularExpression('/^Kerio keeps 1024 MB; WHMCS bills 512 MB since \d{4}-\d\d-\d\d \d\d:\d\d/', $row);
        $this->assertStringContainsString(
            'Your plan now includes 512 MB of storage, but this mailbox uses 600 MB, so it keeps its previous size for now. Please delete at least 88 MB',
            $this->whmcs->clientArea($serviceId)
        );
        $this->assertSame(1024, $this->kerioQuotaMb($serviceId));

        $this->emulator->setUsage($address, 100 * 1024 * 1024);
        $this->assertSame('success', $this->whmcs->changePackage($serviceId, (int) $this->whmcs->service($serviceId)->packageid));

        $this->assertSame(512, $this->kerioQuotaMb($serviceId));
        $this->assertArrayNotHasKey(PlanNotices::ADMIN_DOWNGRADE, $this->whmcs->adminServicesTabFields($serviceId));
        $this->assertStringNotContainsString('Your plan now includes', $this->whmcs->clientArea($serviceId));
    }

    public function testTerminateForgetsARefusedDowngrade(): void
    {
        $serverId = $this->addServer();
        $serviceId = $this->createdService(['quota_mb' => '1024'], [], $serverId);
        $this->emulator->setUsage($this->address($serviceId), 600 * 1024 * 1024);
        $this->assertNotSame('success', $this->whmcs->changePackage($serviceId, $this->addProduct(['quota_mb' => '512'])));
        $this->assertArrayHasKey(PlanNotices::ADMIN_DOWNGRADE, $this->whmcs->adminServicesTabFields($serviceId));

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'terminate'));

        $this->assertArrayNotHasKey(PlanNotices::ADMIN_DOWNGRADE, $this->whmcs->adminServicesTabFields($serviceId), 'no mailbox, no "Kerio keeps" row');
        $this->assertNull(PlanState::of($serviceId));
    }

    /**
     * Five aliases (in the order an admin typed them; the last is the newest) and forwarding to two
     * targets with a copy kept, as the bigger plan allowed.
     *
     * @return array{0: string, 1: list<string>} the address and the aliases
     */
    private function withFiveAliasesAndForwarding(int $serviceId): array
    {
        $address = $this->address($serviceId);
        $local = (string) strstr($address, '@', true);
        $aliases = array_map(static fn (string $n): string => $local . '-' . $n . '@example.com', ['a', 'b', 'c', 'd', 'e']);
        $this->emulator->setAliases($address, $aliases);
        $this->assertSame('success', $this->whmcs->clientCustomAction($serviceId, 'SetForwarding', ['forward_to' => 'x@example.net, y@example.net', 'keep_copy' => '1']));
        return [$address, $aliases];
    }

    /** The customer adds an alias through the client area's custom function. */
    private function addAlias(int $serviceId, string $alias): string
    {
        return $this->whmcs->clientCustomAction($serviceId, 'AddAlias', ['alias' => $alias]);
    }

    /** Leaves $options (comma list, '' = none) as the product's Domain dropdown choices. */
    private function offerOnlyInTheDropdown(int $productId, string $options): void
    {
        Capsule::table('tblcustomfields')->where('id', CustomFields::findField($productId, CustomFields::MAILDOMAIN))
            ->update(['fieldoptions' => $options]);
    }

    /** What an admin does before adopting: the service's username names the mailbox, no Kerio user ID stored. */
    private function pointServiceAt(int $serviceId, string $address): void
    {
        Capsule::table('tblhosting')->where('id', $serviceId)->update(['username' => $address]);
        CustomFields::setValue((int) $this->whmcs->service($serviceId)->packageid, $serviceId, CustomFields::KERIO_ID, '');
    }

    /** A plain Kerio user made by hand (no WHMCS mark) in $domain; its address. */
    private function unmarkedMailbox(string $domain): string
    {
        $login = $this->uniqueLocalPart('hand');
        $this->emulator->addAdmin($login, $domain, self::GOOD_PASSWORD, 'UserRole');
        return $login . '@' . $domain;
    }

    /**
     * A Configurable Options group linked to the product with these options, as WHMCS stores one.
     *
     * @param array<string, array{0: int, 1: list<string>}> $options `name|Label` => [type, sub-option names]
     */
    private function linkOptions(int $productId, array $options): void
    {
        $groupId = (int) Capsule::table('tblproductconfiggroups')->insertGetId(['name' => 'Plan options ' . $productId]);
        Capsule::table('tblproductconfiglinks')->insert(['gid' => $groupId, 'pid' => $productId]);
        foreach ($options as $name => [$type, $choices]) {
            $optionId = $this->whmcs->addConfigurableOption($name, $type, $choices);
            Capsule::table('tblproductconfigoptions')->where('id', $optionId)->update(['gid' => $groupId, 'qtymaximum' => 100]);
        }
    }

    /**
     * The cart's ShoppingCartValidateProductUpdate check of the configure-product step.
     *
     * @return list<string>
     */
    private function validateCart(int $productId, string $localpart, string $domain): array
    {
        $_SESSION['cart']['products'][0] = ['pid' => $productId];
        $posted = [];
        foreach ([CustomFields::LOCALPART => $localpart, CustomFields::MAILDOMAIN => $domain, CustomFields::PASSWORD => self::GOOD_PASSWORD] as $key => $value) {
            $posted[CustomFields::findField($productId, $key)] = htmlspecialchars($value, ENT_QUOTES);
        }
        return OrderForm::validate(['i' => 0, 'customfield' => $posted]);
    }
}
