<?php

namespace KerioSingle\Tests;

use KerioSingle\Harness\CsrfFailure;
use KerioSingle\Harness\ModuleLoader;
use KerioSingle\Harness\Request;
use KerioSingle\Harness\Session;
use KerioSingle\Harness\Web\Pages;
use KerioSingle\Harness\Whmcs;
use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Database\Capsule;

/**
 * Client-area custom functions as WHMCS 8 runs them (issue 18 journeys e, f; evidence in
 * harness/README.md 18.e*): watched from the probe module.
 */
final class ClientCustomFunctionHarnessTest extends ModuleTestCase
{
    private const PROBE = 'probeModule';

    private Whmcs $probe;
    private int $clientId;
    private int $serviceId;

    protected function setUp(): void
    {
        parent::setUp();
        ModuleLoader::install(self::PROBE, __DIR__ . '/fixtures/probeModule');
        $GLOBALS['probeModuleCalls'] = [];
        $this->probe = new Whmcs(self::PROBE);
        $this->clientId = $this->probe->addClient(['firstname' => 'Jane', 'lastname' => 'Doe', 'email' => 'jane@example.net']);
        $this->serviceId = $this->probe->placeOrder($this->clientId, $this->probe->addProduct('Probe'), 0, []);
        Capsule::table('tblhosting')->where('id', $this->serviceId)->update(['domainstatus' => 'Active']);
        $_SESSION = [];
        Session::loginClient($this->clientId);
    }

    protected function tearDown(): void
    {
        unset($GLOBALS['probePingAnswer']);
        $_SESSION = [];
        Request::clear();
        parent::tearDown();
    }

    public function testAServiceThatIsNotActiveGetsWhmcssTextAndTheModuleIsNeverCalled(): void
    {
        foreach (['Suspended', 'Pending', 'Terminated'] as $status) {
            Capsule::table('tblhosting')->where('id', $this->serviceId)->update(['domainstatus' => $status]);

            $this->assertSame(Whmcs::PRODUCT_NOT_ACTIVE, $this->probe->clientCustomAction($this->serviceId, 'Ping', []));
        }
        $this->assertSame([], $GLOBALS['probeModuleCalls']);
    }

    public function testAUserWithoutManageProductsIsRefusedBeforeTheModule(): void
    {
        Session::loginClient($this->clientId, ['productsso']);
        $this->assertSame(Whmcs::NO_MANAGE_PERMISSION, $this->probe->clientCustomAction($this->serviceId, 'Ping', []));
        $this->assertSame([], $GLOBALS['probeModuleCalls']);

        Session::loginClient($this->clientId, ['productsso', 'manageproducts']);
        $this->assertSame('success', $this->probe->clientCustomAction($this->serviceId, 'Ping', []));
        $this->assertCount(1, $GLOBALS['probeModuleCalls']);
    }

    public function testABadTokenEndsTheSession(): void
    {
        try {
            $this->probe->clientCustomAction($this->serviceId, 'Ping', [], 'forged');
            $this->fail('check_token() must stop the request');
        } catch (CsrfFailure $expected) {
            $this->assertSame(0, Session::clientId(), 'logged out');
        }
    }

    public function testThePageShowsWhmcssSuccessTextAndTheModulesErrorRaw(): void
    {
        $this->assertStringContainsString('Action Completed Successfully!', $this->postPing()->body);

        $GLOBALS['probePingAnswer'] = 'Refused <b>bold</b>';
        $body = $this->postPing()->body;

        $this->assertStringContainsString('Action Failed Refused <b>bold</b>', $body, 'printed raw, as the default theme does');
    }

    public function testThePageRedirectsToTheClientAreaOnABadToken(): void
    {
        $response = $this->postPing('forged');

        $this->assertSame('clientarea.php', $response->headers['Location'] ?? '');
        $this->assertSame(0, Session::clientId());
        $this->assertSame([], $GLOBALS['probeModuleCalls']);
    }

    public function testThePageShowsWhmcssTextForASuspendedService(): void
    {
        Capsule::table('tblhosting')->where('id', $this->serviceId)->update(['domainstatus' => 'Suspended']);

        $body = $this->postPing()->body;

        $this->assertStringContainsString(Whmcs::PRODUCT_NOT_ACTIVE, $body);
        $this->assertStringNotContainsString('Action Failed', $body);
        $this->assertSame([], $GLOBALS['probeModuleCalls']);
    }

    /** POST clientarea.php?action=productdetails&id=N&modop=custom&a=Ping with the session's or a given token. */
    private function postPing(?string $token = null): \KerioSingle\Harness\Web\Response
    {
        $get = ['action' => 'productdetails', 'id' => (string) $this->serviceId, 'modop' => 'custom', 'a' => 'Ping'];
        Request::set($get, ['token' => $token ?? \KerioSingle\Harness\CsrfToken::current()]);
        $_SERVER['REQUEST_METHOD'] = 'POST';
        try {
            return (new Pages(self::PROBE))->productDetails($get);
        } finally {
            unset($_SERVER['REQUEST_METHOD']);
        }
    }
}
