<?php

namespace KerioSingle\Tests;

use KerioSingle\Harness\CsrfToken;
use KerioSingle\Harness\Request;
use KerioSingle\Harness\Session;
use KerioSingle\Harness\Web\Pages;
use KerioSingle\Harness\Whmcs;
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

    /** Journey (e): a custom function on a suspended service never reaches the module. */
    public function testACustomFunctionOnASuspendedServiceNeverReachesTheModule(): void
    {
        $serviceId = $this->createdService(['max_aliases' => '3']);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));
        $logged = Capsule::table('tblmodulelog')->count();

        $result = $this->whmcs->clientCustomAction($serviceId, 'AddAlias', ['alias' => 'deals']);

        $this->assertSame(Whmcs::PRODUCT_NOT_ACTIVE, $result);
        $this->assertSame($logged, Capsule::table('tblmodulelog')->count(), 'the module was not called');
        $this->assertSame([], (array) ($this->emulator->user($this->address($serviceId))['emailAddresses'] ?? []), 'no alias was added');
    }

    /** @return iterable<string, array{string}> */
    public static function markup(): iterable
    {
        yield 'img onerror' => ['<img src=x onerror=alert(1)>'];
        yield 'closing attribute' => ['"><script>alert(1)</script>'];
        yield 'long unicode' => [str_repeat('Ünïcødé-名前-<b>', 30)];
    }

    /**
     * Journey (f): markup typed as an alias never renders on the page WHMCS prints raw.
     *
     * @dataProvider markup
     */
    public function testMarkupInAnAliasNeverRenders(string $alias): void
    {
        $serviceId = $this->createdService(['max_aliases' => '3']);
        $_SESSION = [];
        Session::loginClient((int) $this->whmcs->service($serviceId)->userid);
        $get = ['action' => 'productdetails', 'id' => (string) $serviceId, 'modop' => 'custom', 'a' => 'AddAlias'];
        Request::set($get, ['alias' => $alias, 'token' => CsrfToken::current()]);
        $_SERVER['REQUEST_METHOD'] = 'POST';
        try {
            $body = (new Pages())->productDetails($get)->body;
        } finally {
            unset($_SERVER['REQUEST_METHOD']);
            Request::clear();
            $_SESSION = [];
        }

        $this->assertStringContainsString('Action Failed', $body);
        $error = preg_match('/id="pageError">(.*?)<\/div>/s', $body, $match) === 1 ? $match[1] : '';
        $this->assertNotSame('', $error);
        $this->assertStringContainsString('&quot;', $error, 'the module HTML-escapes its text (the quotes around the alias)');
        $this->assertDoesNotMatchRegularExpression('/<(img|script|b)\b/i', $error, 'no markup from the alias in: ' . $error);
    }

    /** The module's own quoting of customer input (SettingsError::quote) never carries markup either. */
    public function testTheModulesQuotingNeverCarriesMarkup(): void
    {
        foreach (self::markup() as [$input]) {
            $this->assertDoesNotMatchRegularExpression('/[<>&]/', \WHMCS\Module\Server\kerioSingle\SettingsError::quote($input));
        }
        $this->assertSame('"\\x3Cb\\x3E\\x26"', \WHMCS\Module\Server\kerioSingle\SettingsError::quote('<b>&'));
    }

    /** Journey (g): with Kerio not answering, the Module Settings tab still loads within 3 seconds. */
    public function testTheModuleSettingsTabLoadsWithinThreeSecondsWithKerioDown(): void
    {
        $productId = $this->addProduct();
        $this->addServer();
        $this->emulator->addFault(['method' => '*', 'kind' => 'delay', 'delay_ms' => 30000, 'times' => 50]);
        $page = $this->whmcs->productPage($productId);

        $started = microtime(true);
        try {
            $drawn = $page->open();
            $elapsed = microtime(true) - $started;
        } finally {
            $this->emulator->clearFaults();
        }

        $this->assertLessThanOrEqual(3.0, $elapsed, 'two ConfigOptions calls with Kerio down');
        $this->assertStringContainsString('did not finish within', (string) $drawn['domains']['Description'], 'the tab says why');
    }

    /** ConfigOptions runs often (two per load, one per Save): Kerio is asked once for all of them. */
    public function testOpeningAndSavingTheTabAsksKerioOnce(): void
    {
        $this->addServer();
        $productId = $this->whmcs->addProduct('Mailbox');
        $this->emulator->resetStats();

        $page = $this->whmcs->productPage($productId);
        $page->open();
        $page->save(['quota_mb' => '2048']);
        $page->open();

        $this->assertSame(1, $this->emulator->stats()['methods']['Session.login'] ?? 0);
        $this->assertNotEmpty($this->whmcs->productCustomFields($productId), 'the fields were still made');
    }

    /** Journey (d): one upgrade order changing quota and aliases runs ChangePackage once per changed option and ends consistent. */
    public function testUpgradingQuotaAndAliasesInOneOrderRunsTwoChangePackageCallsAndEndsConsistent(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct(['quota_mb' => '1024', 'max_aliases' => '1']);
        $groupId = \WHMCS\Module\Server\kerioSingle\ConfigurableOptionsGroup::ensureFor($productId)['group_id'];
        $this->whmcs->offerConfigurableOptionsGroup($groupId, '1.00');
        $serviceId = $this->order($productId, $serverId);
        $this->whmcs->chooseConfigOptions($serviceId, ['quota_mb' => '1024', 'max_aliases' => 1]);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $calls = $this->changePackageRuns();

        $result = $this->whmcs->changeConfigOptions($serviceId, ['quota_mb' => '5120', 'max_aliases' => 3]);

        $this->assertSame('success', $result);
        $this->assertSame(2, Capsule::table('tblupgrades')->where('relid', $serviceId)->where('type', 'configoptions')->count(), 'one row per changed option');
        $this->assertSame($calls + 2, $this->changePackageRuns(), 'ChangePackage once per row');
        $this->assertSame(5120, $this->kerioQuotaMb($serviceId));
        $this->assertSame('5120', $this->whmcs->customFieldValue($serviceId, 'quota'));
        $this->assertSame('Mailbox size 5120 MB, up to 3 alias(es)', (string) $this->whmcs->adminServicesTabFields($serviceId)['Plan']);
    }

    /** How many ChangePackage runs WHMCS logged as successful (activity log). */
    private function changePackageRuns(): int
    {
        return Capsule::table('tblactivitylog')->where('description', 'like', 'Module ChangePackage Successful%')->count();
    }

    /** Staff "Open Webmail" answers the admin page's AJAX with `window|URL` (a new tab). */
    public function testStaffOpenWebmailAnswersWindowAndTheLink(): void
    {
        $serviceId = $this->createdService();
        $adminId = $this->whmcs->addAdmin('alice');

        $answer = $this->whmcs->adminSingleSignOnAnswer($serviceId, $adminId);

        $this->assertStringStartsWith('window|https://billing.example.net/modules/servers/kerioSingle/sso.php?', $answer);
    }

    /** On PHP below 8.1 the module refuses with a clear text instead of running. */
    public function testTheModuleRefusesOlderPhpWithAClearText(): void
    {
        $this->assertNull(kerioSingleRequirementError(80100, '8.1.0'));
        $text = (string) kerioSingleRequirementError(70433, '7.4.33');
        $this->assertStringContainsString('needs WHMCS 8.11 or later on PHP 8.1 or later', $text);
        $this->assertStringContainsString('runs PHP 7.4.33', $text);
    }
}
