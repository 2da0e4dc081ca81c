<?php

declare(strict_types=1);

namespace KerioSingle\Tests\Browser;

use WHMCS\Database\Capsule;
use WHMCS\Module\Server\kerioSingle\ConfigurableOptionsGroup;

/**
 * The customer's Configurable Options upgrade page (issue 18 journey d) in Chromium: a bigger
 * mailbox and more aliases in one order; WHMCS runs ChangePackage once per changed option.
 * Screenshots: tests/artifacts/upgrade-*.png.
 */
final class UpgradePageTest extends BrowserTestCase
{
    public function testTheCustomerUpgradesQuotaAndAliasesInOneOrder(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct(['quota_mb' => '1024', 'max_aliases' => '1']);
        $groupId = ConfigurableOptionsGroup::ensureFor($productId)['group_id'];
        $this->whmcs->offerConfigurableOptionsGroup($groupId, '1.00');
        $serviceId = $this->order($productId, $serverId);
        $this->whmcs->chooseConfigOptions($serviceId, ['quota_mb' => '1024', 'max_aliases' => 1]);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $this->openProductDetails($serviceId);

        $this->browser->goto($this->url('upgrade.php?type=configoptions&id=' . $serviceId));
        $this->browser->waitFor('document.getElementById("frmUpgradeOptions")');
        $this->screenshot('upgrade-options-before');
        $this->assertSame('1024', $this->browser->evaluate('document.getElementById("option-quota_mb").value'));
        $this->browser->evaluate('document.getElementById("option-quota_mb").value = "5120"');
        $this->browser->type('#option-max_aliases', '3');
        $this->browser->click('#btnUpgrade');
        $this->browser->waitFor('document.getElementById("upgradeDone") || document.getElementById("upgradeError")');
        $this->screenshot('upgrade-options-done');

        $this->assertTrue($this->exists('#upgradeDone'), $this->text('body'));
        $this->assertSame(2, Capsule::table('tblupgrades')->where('relid', $serviceId)->count(), 'one row per changed option');
        $this->assertSame(5120, $this->kerioQuotaMb($serviceId));
        $this->assertSame('Mailbox size 5120 MB, up to 3 alias(es)', (string) $this->whmcs->adminServicesTabFields($serviceId)['Plan']);
    }
}
