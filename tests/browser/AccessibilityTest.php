<?php

declare(strict_types=1);

namespace KerioSingle\Tests\Browser;

/**
 * axe-core (WCAG 2.1 A/AA rules) on the pages a customer meets: the order form, the client area
 * in its states (active with the self-service cards, suspended, German) and the webmail sign-in
 * pages (the message page of a refused link). No serious or critical finding is allowed.
 */
final class AccessibilityTest extends BrowserTestCase
{
    private const SELF_SERVICE = ['max_aliases' => '3', 'forwarding' => true];

    public function testTheOrderFormHasNoSeriousFinding(): void
    {
        $this->addServer();
        $productId = $this->addProduct();
        $this->browser->goto($this->url('cart.php?a=confproduct&pid=' . $productId));
        $this->browser->waitFor('document.getElementById("kerioRules-password")');

        $this->assertNoSeriousFinding('order form');
    }

    public function testTheClientAreaStatesHaveNoSeriousFinding(): void
    {
        $serviceId = $this->createdService(self::SELF_SERVICE);
        $this->assertSame('success', $this->whmcs->clientCustomAction($serviceId, 'AddAlias', ['alias' => 'a11y' . $serviceId]));
        $this->openProductDetails($serviceId);
        $this->assertNoSeriousFinding('client area, active, with the cards');

        $this->setClientLanguage($serviceId, 'german');
        $this->openProductDetails($serviceId);
        $this->assertNoSeriousFinding('client area, German');

        $this->assertSame('success', $this->whmcs->changePackage($serviceId, $this->addProduct(['max_aliases' => '0'])));
        $this->openProductDetails($serviceId);
        $this->assertTrue($this->exists('.kerio-plan-notice'), 'the plan notice is shown');
        $this->assertNoSeriousFinding('client area, above the plan after a downgrade');

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));
        $this->openProductDetails($serviceId);
        $this->assertNoSeriousFinding('client area, suspended (read only)');
    }

    public function testTheSignInMessagePageHasNoSeriousFinding(): void
    {
        $serviceId = $this->createdService();
        $this->openProductDetails($serviceId);
        $link = $this->signOnLink($serviceId);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));

        $this->browser->goto($link);
        $this->browser->waitFor('document.getElementById("kerioSsoMessage")');

        $this->assertNoSeriousFinding('webmail sign-in, refused link');
    }

    private function assertNoSeriousFinding(string $page): void
    {
        $findings = AxeCore::seriousFindings($this->browser);
        $this->assertSame([], $findings, $page . ': serious or critical axe-core findings');
    }
}
