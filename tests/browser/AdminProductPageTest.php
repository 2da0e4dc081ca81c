<?php

declare(strict_types=1);

namespace KerioSingle\Tests\Browser;

use WHMCS\Database\Capsule;

/**
 * The hoster's journey on the admin product page (issue 18): the Module Settings tab opens in Simple
 * Mode with what every product needs, Save stores it, Advanced Mode shows the rest and keeps what
 * Simple Mode saved. Screenshots: tests/artifacts/admin-product-*.png.
 */
final class AdminProductPageTest extends BrowserTestCase
{
    public function testAHosterSavesInSimpleModeThenSwitchesToAdvancedMode(): void
    {
        $serverId = $this->addServer();
        $productId = $this->whmcs->addProduct('Mailbox 1 GB');
        $this->whmcs->setProductServerGroup($productId, $this->whmcs->addServerGroup('Kerio', [$serverId]));
        $this->browser->clearCookies();
        $this->browser->goto($this->url('admin/login.php?admin=' . $this->whmcs->addAdmin('alice')));
        $this->rememberCookies();

        $this->browser->goto($this->url('admin/configproducts.php?action=edit&id=' . $productId));
        $this->browser->waitFor('document.getElementById("frmModuleSettings")');
        $this->screenshot('admin-product-simple-mode');

        $this->assertSame('simple', $this->browser->evaluate('document.getElementById("frmModuleSettings").dataset.mode'));
        $this->assertSame('1024', $this->browser->evaluate('document.getElementById("input-quota_mb").value'));
        $this->assertTrue($this->exists('select#input-domains'), 'the Loader made Domains a dropdown of the server\'s domains');
        $this->assertSame('', $this->browser->evaluate('document.getElementById("input-domains").value'), 'every domain, until the hoster picks one');
        $this->assertFalse($this->exists('#setting-archive_mailbox'), 'advanced settings wait for Advanced Mode');

        $this->browser->click('#btnSaveModuleSettings');
        $this->browser->waitFor('document.getElementById("pageNotice")');
        $this->assertSame('1024', (string) Capsule::table('tblproducts')->where('id', $productId)->value('configoption2'));
        $this->assertSame('', (string) Capsule::table('tblproducts')->where('id', $productId)->value('configoption1'));

        $this->browser->click('#switchToAdvanced');
        $this->browser->waitFor('document.getElementById("setting-archive_mailbox")');
        $this->screenshot('admin-product-advanced-mode');
        $this->assertSame('advanced', $this->browser->evaluate('document.getElementById("frmModuleSettings").dataset.mode'));
        $this->assertSame('1024', $this->browser->evaluate('document.getElementById("input-quota_mb").value'), 'kept from the Simple Mode save');
        $this->assertFalse($this->exists('#switchToAdvanced'));
    }
}
