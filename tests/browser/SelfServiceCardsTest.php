<?php

declare(strict_types=1);

namespace KerioSingle\Tests\Browser;

/**
 * The Aliases and Forwarding cards (issue 12) in Chromium: the customer adds an alias and sets
 * forwarding through the real forms (custom functions with WHMCS's CSRF token), sees the errors,
 * the suspended read-only view and the German page. Screenshots: tests/artifacts/selfservice-*.png.
 */
final class SelfServiceCardsTest extends BrowserTestCase
{
    private const SETTINGS = ['max_aliases' => '3', 'forwarding' => true, 'max_forward_targets' => '2'];

    public function testTheCustomerAddsAnAliasAndSetsForwardingThroughTheCards(): void
    {
        $serviceId = $this->createdService(self::SETTINGS);
        $local = (string) strstr($this->address($serviceId), '@', true);
        $this->openProductDetails($serviceId);
        $this->assertSame('0 of 3 used', $this->text('#kerioAliasesUsed'));
        $this->assertSame('@example.com', $this->text('#kerioAliasDomain'));

        $this->browser->type('#kerioAliasInput', $local . '-sales');
        $this->submit('#kerioAliasForm button[type=submit]');
        $this->assertSame('Action Completed Successfully!', $this->text('#pageNotice'));
        $this->assertSame('1 of 3 used', $this->text('#kerioAliasesUsed'));
        $this->assertStringContainsString($local . '-sales@example.com', $this->text('#kerioAliasList'));

        $this->browser->type('#kerioForwardTo', 'jane@example.net');
        $this->submit('#kerioForwardingForm button[type=submit]');
        $this->assertSame('Mail is forwarded to jane@example.net.', $this->text('#kerioForwardingStatus'));
        $this->screenshot('selfservice-cards');
        $this->assertSame('UForwardDeliver', $this->emulator->user($this->address($serviceId))['emailForwarding']['mode']);
    }

    public function testErrorsAreShownAndNothingChanges(): void
    {
        $serviceId = $this->createdService(self::SETTINGS);
        $this->openProductDetails($serviceId);

        $this->browser->waitFor('window.kerioSingleOrderForm && window.kerioSingleOrderForm.rules.localpart.length > 0');
        $this->browser->type('#kerioAliasInput', 'postmaster');
        $this->browser->waitFor('(document.getElementById("kerioRules-localpart") || {dataset: {}}).dataset.unmet === "1"');
        $this->assertStringContainsString('reserved', $this->text('#kerioRules-localpart'), 'the live check names the rule before sending');
        $this->screenshot('selfservice-alias-live-check');
        $this->submit('#kerioAliasForm button[type=submit]');
        $this->assertStringContainsString('cannot be used', $this->text('#pageError'));
        $this->screenshot('selfservice-alias-error');

        $this->browser->type('#kerioForwardTo', $this->address($serviceId));
        $this->submit('#kerioForwardingForm button[type=submit]');
        $this->assertStringContainsString('loop', $this->text('#pageError'));
        $this->screenshot('selfservice-forwarding-error');
        $this->assertSame([], $this->emulator->user($this->address($serviceId))['emailAddresses']);
    }

    public function testASuspendedServiceShowsTheCardsReadOnly(): void
    {
        $serviceId = $this->createdService(self::SETTINGS);
        $this->assertSame('success', $this->whmcs->clientCustomAction($serviceId, 'SetForwarding', ['forward_to' => 'kept@example.net']));
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));

        $this->openProductDetails($serviceId);
        $this->screenshot('selfservice-suspended');

        $this->assertStringContainsString('Read only', $this->text('#kerioSelfServiceReadOnly'));
        $this->assertSame('Forwarding is paused while the mailbox is suspended.', $this->text('#kerioForwardingPaused'));
        $this->assertFalse($this->exists('#kerioAliasForm'));
        $this->assertFalse($this->exists('#kerioForwardingForm'));
    }

    public function testTheGermanCards(): void
    {
        $serviceId = $this->createdService(self::SETTINGS);
        $this->setClientLanguage($serviceId, 'german');

        $this->openProductDetails($serviceId);
        $this->screenshot('selfservice-german');

        $this->assertSame('0 von 3 belegt', $this->text('#kerioAliasesUsed'));
        $this->assertSame('Weiterleitung', $this->text('#kerioForwarding .card-title'));
    }

    /** Clicks a form's submit button and waits for the page it leads to. */
    private function submit(string $selector): void
    {
        $this->browser->evaluate('window.kerioBeforeSubmit = true');
        $this->browser->click($selector);
        $this->browser->waitFor('window.kerioBeforeSubmit === undefined && document.readyState === "complete" && !!document.getElementById("kerioSingleOverview")');
    }
}
