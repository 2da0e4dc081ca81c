<?php

declare(strict_types=1);

namespace KerioSingle\Tests\Browser;

/**
 * The cart's configure-product step: the engine's rules checked live in the browser, and again on
 * the server when the form is submitted.
 */
final class OrderFormTest extends BrowserTestCase
{
    public function testUnmetRulesShowLiveAndAGoodPasswordIsAccepted(): void
    {
        [$localpart, $password] = $this->openOrderForm();

        $this->browser->type($password, 'abc');
        $this->assertSame(['min_length', 'character_classes'], $this->unmetRules('password'));
        $this->assertTrue($this->exists('#kerioRules-password.text-danger'));
        $this->assertStringContainsString('At least 8 characters', $this->text('#kerioRules-password'));

        $this->browser->type($localpart, 'Jane..Doe');
        $this->assertSame(['localpart_dots'], $this->unmetRules('localpart'));
        $this->browser->type($localpart, 'postmaster');
        $this->assertSame(['localpart_reserved'], $this->unmetRules('localpart'));
        $this->screenshot('order-form-unmet-rules');

        $this->browser->type($localpart, 'jane.doe');
        $this->assertSame([], $this->unmetRules('localpart'));
        $this->browser->type($password, 'Jane.Doe-Harbor7');
        $this->browser->waitFor('document.querySelector(\'#kerioRules-password li[data-rule="no_personal_data"]\')');
        $this->assertSame(['no_personal_data'], $this->unmetRules('password'), 'the mailbox name may not appear in the password');

        $this->browser->type($password, 'Blue-Harbor-42x');
        $this->assertSame([], $this->unmetRules('password'));
        $this->assertSame('✓ The password meets every rule.', $this->text('#kerioRules-password'));
        $this->screenshot('order-form-good-password');

        $this->browser->click('#btnCompleteProductConfig');
        $this->browser->waitFor('document.getElementById("orderAccepted")');
        $this->assertFalse($this->exists('#orderErrors'));
    }

    public function testTheServerRefusesAWeakPasswordWhenTheScriptIsBypassed(): void
    {
        [$localpart, $password] = $this->openOrderForm();
        $this->browser->type($localpart, 'jane.doe');
        $this->browser->type($password, 'short');

        $this->browser->evaluate('document.getElementById("frmConfigureProduct").submit()');
        $this->browser->waitFor('document.getElementById("orderErrors")');
        $this->screenshot('order-form-server-refusal');

        $this->assertStringContainsString('At least 8 characters', $this->text('#orderErrors'));
        $this->assertFalse($this->exists('#orderAccepted'));
        $this->assertSame('', $this->browser->evaluate('document.querySelector(' . json_encode($password) . ').value'), 'the password is not sent back');
    }

    public function testAKeptAddressIsNotAvailableToOthersAndRestoredForItsOwner(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct(['terminate_mode' => 'keep']);
        $owner = $this->whmcs->addClient(['firstname' => 'Olive', 'lastname' => 'Old', 'email' => 'olive@example.net']);
        $oldie = $this->uniqueLocalPart('oldie');
        $service = $this->whmcs->placeOrder($owner, $productId, $serverId, [
            'localpart' => $oldie, 'maildomain' => 'example.com', 'password' => self::ALPHABET_PASSWORD, 'givenname' => 'Olive', 'surname' => 'Old',
        ]);
        $this->assertSame('success', $this->whmcs->moduleAction($service, 'create'));
        $this->assertSame('success', $this->whmcs->moduleAction($service, 'terminate'));
        $localpart = '#customfield' . $this->whmcs->productCustomFields($productId)['localpart']->id;

        $this->browser->goto($this->url('cart.php?a=confproduct&pid=' . $productId));
        $this->browser->waitFor('document.getElementById("kerioRules-localpart")');
        $this->browser->type($localpart, $oldie);
        $this->browser->waitFor('document.querySelector(\'#kerioRules-localpart li[data-rule="address_not_available"]\')');
        $this->assertSame(['address_not_available'], $this->unmetRules('localpart'));
        $this->assertStringContainsString('This address is not available', $this->text('#kerioRules-localpart'));
        $this->assertStringNotContainsString('Olive', $this->text('#kerioRules-localpart'));
        $this->screenshot('order-form-kept-address-stranger');

        $next = 'cart.php?a=confproduct&pid=' . $productId;
        $this->browser->goto($this->url('login.php?client=' . $owner . '&next=' . rawurlencode($next)));
        $this->browser->waitFor('document.getElementById("kerioRules-localpart")');
        $this->browser->type($localpart, $oldie);
        $this->browser->waitFor('(document.getElementById("kerioRules-localpart") || {}).textContent.indexOf("restored") !== -1');
        $this->assertSame([], $this->unmetRules('localpart'));
        $this->assertStringContainsString('The mail of your earlier mailbox with this address will be restored', $this->text('#kerioRules-localpart'));
        $this->screenshot('order-form-kept-address-owner');
    }

    /**
     * A product on a server, its order page open with the live check running.
     *
     * @return array{0: string, 1: string} CSS selectors of the mailbox-name and password inputs
     */
    private function openOrderForm(): array
    {
        $this->addServer();
        $productId = $this->addProduct();
        $fields = $this->whmcs->productCustomFields($productId);
        $this->browser->goto($this->url('cart.php?a=confproduct&pid=' . $productId));
        $this->browser->waitFor('document.getElementById("kerioRules-password") && document.getElementById("kerioRules-localpart")');
        return ['#customfield' . $fields['localpart']->id, '#customfield' . $fields['password']->id];
    }

    /**
     * Ids of the rules the box under a field lists as unmet.
     *
     * @return list<string>
     */
    private function unmetRules(string $field): array
    {
        return (array) $this->browser->evaluate(sprintf(
            '[...document.querySelectorAll("#kerioRules-%s li")].map(item => item.dataset.rule)',
            $field
        ));
    }
}
