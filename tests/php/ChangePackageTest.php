<?php

namespace KerioSingle\Tests;

use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Module\Server\kerioSingle\CustomFields;

/**
 * kerioSingle_ChangePackage: the new product's quota, the stored quota state, and the refusal of a
 * downgrade below live usage.
 */
final class ChangePackageTest extends ModuleTestCase
{
    private int $serverId;
    private int $serviceId;

    protected function setUp(): void
    {
        parent::setUp();
        $this->serverId = $this->addServer();
        $this->serviceId = $this->order($this->addProduct(['quota_mb' => '1024'], 'Mailbox 1 GB'), $this->serverId);
        $this->assertSame('success', $this->whmcs->moduleAction($this->serviceId, 'create'));
        $this->emulator->setUsage($this->address($this->serviceId), 600 * 1024 * 1024);
    }

    public function testUpgradeAppliesTheNewQuota(): void
    {
        $this->assertSame('success', $this->whmcs->changePackage($this->serviceId, $this->addProduct(['quota_mb' => '4096'])));

        $this->assertSame(4096, $this->kerioQuotaMb($this->serviceId));
        $this->assertSame('4096', $this->whmcs->customFieldValue($this->serviceId, 'quota'));
    }

    public function testUpgradeToUnlimited(): void
    {
        $this->assertSame('success', $this->whmcs->changePackage($this->serviceId, $this->addProduct(['quota_mb' => '0'])));

        $this->assertSame(0, $this->kerioQuotaMb($this->serviceId));
        $this->assertSame('0', $this->whmcs->customFieldValue($this->serviceId, 'quota'));
    }

    public function testDowngradeBelowUsageIsRefusedAndChangesNothingOnKerio(): void
    {
        $result = $this->whmcs->changePackage($this->serviceId, $this->addProduct(['quota_mb' => '512']));

        $this->assertNotSame('success', $result);
        $this->assertSame('quota_below_usage', $this->lastErrorCode());
        $this->assertSame(1024, $this->kerioQuotaMb($this->serviceId));
        $this->assertSame('', $this->whmcs->customFieldValue($this->serviceId, 'quota'), 'nothing recorded for the new product');
        $this->assertSame('1024', CustomFields::latestServiceValue($this->serviceId, 'quota'));
        $this->assertSame(1, $this->openQueueRows($this->serviceId));
    }

    public function testDowngradeAboveUsageIsApplied(): void
    {
        $this->assertSame('success', $this->whmcs->changePackage($this->serviceId, $this->addProduct(['quota_mb' => '800'])));

        $this->assertSame(800, $this->kerioQuotaMb($this->serviceId));
    }

    public function testDowngradeBelowUsageIsAppliedWhenTheProductAllowsIt(): void
    {
        $allowing = $this->addProduct(['quota_mb' => '512', 'allow_downgrade_below_usage' => true]);

        $this->assertSame('success', $this->whmcs->changePackage($this->serviceId, $allowing));

        $this->assertSame(512, $this->kerioQuotaMb($this->serviceId));
        $this->assertSame('512', $this->whmcs->customFieldValue($this->serviceId, 'quota'));
    }

    public function testAnUpgradeThatIsStillBelowUsageIsApplied(): void
    {
        $this->assertSame('success', $this->whmcs->changePackage(
            $this->serviceId,
            $this->addProduct(['quota_mb' => '300', 'allow_downgrade_below_usage' => true])
        ));

        $this->assertSame('success', $this->whmcs->changePackage($this->serviceId, $this->addProduct(['quota_mb' => '400'])));

        $this->assertSame(400, $this->kerioQuotaMb($this->serviceId));
    }

    public function testAMalformedQuotaSettingIsReportedWithoutCallingKerio(): void
    {
        $malformed = $this->addProduct(['quota_mb' => '2 GB']);
        $this->emulator->resetStats();

        $result = $this->whmcs->changePackage($this->serviceId, $malformed);

        $this->assertStringContainsString('Mailbox quota (MB)', $result);
        $this->assertStringContainsString('whole number', $result);
        $this->assertSame(0, $this->emulator->stats()['total']);
        $this->assertSame(1024, $this->kerioQuotaMb($this->serviceId));
    }
}
