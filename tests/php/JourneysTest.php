<?php

namespace KerioSingle\Tests;

use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Database\Capsule;

/**
 * The hoster's and the customer's real journeys through WHMCS 8 (issue 18): the admin product page
 * walked as WHMCS draws it, then the customer's order.
 */
final class JourneysTest extends ModuleTestCase
{
    /** Journey (a): the product saved the default way, in the Simple Mode WHMCS opens, sells its quota. */
    public function testAProductSavedInSimpleModeGivesTheCustomerTheProductsQuota(): void
    {
        $serverId = $this->addServer();
        $productId = $this->whmcs->addProduct('Mailbox 1 GB');
        $page = $this->whmcs->productPage($productId);

        $drawn = $page->open();
        $page->save();

        $this->assertSame('simple', $page->mode());
        foreach (['domains', 'quota_mb', 'terminate_mode', 'sso', 'max_aliases', 'forwarding', 'max_forward_targets'] as $key) {
            $this->assertArrayHasKey($key, $drawn, $key . ' must be reachable in Simple Mode');
        }
        $serviceId = $this->order($productId, $serverId);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $this->assertSame(1024, $this->kerioQuotaMb($serviceId), 'never unlimited');
        $this->assertSame('on', (string) Capsule::table('tblproducts')->where('id', $productId)->value('configoption6'), 'SSO on by default');
    }

    /** A product saved before the quota was drawn in Simple Mode has none: Create refuses, naming the setting. */
    public function testCreateRefusesAProductWithoutAQuotaAndNamesTheSetting(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct();
        Capsule::table('tblproducts')->where('id', $productId)->update(['configoption2' => '']);
        $localPart = $this->uniqueLocalPart();
        $serviceId = $this->order($productId, $serverId, ['localpart' => $localPart]);

        $result = $this->whmcs->moduleAction($serviceId, 'create');

        $this->assertStringContainsString('"Mailbox quota (MB)" is not set', $result);
        $this->assertStringContainsString('Module Settings', $result);
        $this->assertNull($this->emulator->user($localPart . '@example.com'), 'nothing created on Kerio');
        $this->assertSame('Pending', (string) $this->whmcs->service($serviceId)->domainstatus);
    }
}
