<?php

namespace KerioSingle\Tests;

use KerioSingle\Harness\ModuleLoader;
use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Database\Capsule;

/**
 * The module is right under the WHMCS 8 behaviours the harness reproduces (issue 10).
 */
final class Whmcs8BehaviourTest extends ModuleTestCase
{
    protected function setUp(): void
    {
        parent::setUp();
        ModuleLoader::install('probeModule', __DIR__ . '/fixtures/probeModule');
    }

    public function testConfigOptionsOnAnAddonCreatesNoFieldsOnTheProductWithTheSameId(): void
    {
        $this->addServer();
        // even a kerioSingle product whose settings were never saved: the addon page is not its page
        $unrelated = $this->whmcs->addProduct('Mailbox, settings not saved yet');
        $addonId = $this->whmcs->addProductAddon('Extra mailbox');
        $this->assertSame($unrelated, $addonId, 'the test needs an addon id that is also a product id');

        $definitions = $this->whmcs->openAddonModuleSettings($addonId);

        $this->assertArrayHasKey('quota_mb', $definitions);
        $this->assertSame([], $this->whmcs->productCustomFields($unrelated));
    }

    public function testPickingTheModuleWithoutSavingCreatesNoFields(): void
    {
        $this->addServer();
        $productId = $this->whmcs->addProduct('Web hosting', 'probeModule');

        $this->whmcs->pickModuleWithoutSaving($productId, 'kerioSingle');

        $this->assertSame([], $this->whmcs->productCustomFields($productId));
    }

    public function testSavingTheProductWithTheModuleCreatesTheFields(): void
    {
        $this->addServer();
        $productId = $this->whmcs->addProduct('Mailbox', '');
        $this->whmcs->pickModuleWithoutSaving($productId, 'kerioSingle');

        $this->whmcs->saveModuleSettings($productId, ['quota_mb' => '1024']);

        $fields = $this->whmcs->productCustomFields($productId);
        $this->assertCount(7, $fields);
        $this->assertSame('on', $fields['localpart']->required);
        $this->assertSame('on', $fields['password']->showorder);
    }

    public function testAProductSwitchedToAnotherModuleKeepsItsValuesButNoLongerAsksForTheFields(): void
    {
        $serviceId = $this->createdService();
        $productId = (int) $this->whmcs->service($serviceId)->packageid;
        $storedBefore = Capsule::table('tblcustomfieldsvalues')->where('relid', $serviceId)->count();

        $this->whmcs->switchProductModule($productId, 'probeModule');

        foreach ($this->whmcs->productCustomFields($productId) as $key => $field) {
            $this->assertSame('', $field->showorder, $key . ' still on the order form');
            $this->assertSame('', $field->required, $key . ' still required');
        }
        $this->assertSame($storedBefore, Capsule::table('tblcustomfieldsvalues')->where('relid', $serviceId)->count());

        $this->whmcs->saveModuleSettings($productId, []);
        $this->assertSame('on', $this->whmcs->productCustomFields($productId)['localpart']->required, 'switched back: asked again');
    }

    public function testAnotherModulesOwnPasswordFieldIsLeftAlone(): void
    {
        $productId = $this->whmcs->addProduct('Web hosting', 'probeModule');
        Capsule::table('tblcustomfields')->insert(['type' => 'product', 'relid' => $productId, 'fieldname' => 'password|Password',
            'fieldtype' => 'password', 'required' => 'on', 'showorder' => 'on']);

        $this->whmcs->switchProductModule($productId, 'probeModule');

        $this->assertSame('on', $this->whmcs->productCustomFields($productId)['password']->required);
    }

    public function testTheBillingCardTakesMoneyPassedAsPriceObjects(): void
    {
        $serviceId = $this->createdService();
        $params = \KerioSingle\Harness\ParamsBuilder::forService($serviceId, 'kerioSingle');

        $output = kerioSingle_ClientArea($params + ['templatevars' => [
            'firstpaymentamount' => new \WHMCS\View\Formatter\Price('19.99'),
            'recurringamount' => new \WHMCS\View\Formatter\Price('9.5'),
            'billingcycle' => 'Monthly',
            'nextduedate' => ['not', 'text'],
        ]]);

        $billing = $output['templateVariables']['kerio']['billing'];
        $this->assertSame('$19.99 USD', $billing['firstpaymentamount']);
        $this->assertSame('$9.50 USD', $billing['recurringamount']);
        $this->assertSame('Monthly', $billing['billingcycle']);
        $this->assertSame('', $billing['nextduedate']);
    }

    public function testTheClientAreaShowsThePasswordRulesNextToChangePassword(): void
    {
        $serviceId = $this->createdService(['password_min_length' => '14']);

        $html = $this->whmcs->clientArea($serviceId);

        $this->assertMatchesRegularExpression('#id="kerioPasswordRules">A new password needs:\s+At least 14 characters; [^<]*At least 3 of: lower-case letters#', $html);
    }

    public function testASuspendedMailboxSaysInTheClientAreaWhyWebmailIsNotAvailable(): void
    {
        $serviceId = $this->createdService();
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));

        $html = $this->whmcs->clientArea($serviceId);

        $this->assertStringContainsString('You cannot sign in to webmail or mail apps until it is reactivated.', $html);
        $this->assertStringNotContainsString('id="kerioPasswordRules"', $html);
        $this->assertStringNotContainsString('id="kerioWebmailButton"', $html);
    }

    public function testTheModuleWorksWithConfigurableOptionsAndTheModelInItsParams(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct();
        $serviceId = $this->order($productId, $serverId);
        $option = $this->whmcs->addConfigurableOption('size|Mailbox size', 1, ['5gb|5 GB'], $productId);
        $this->whmcs->chooseConfigurableOption($serviceId, $option, '5gb|5 GB');

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));
        $this->assertStringContainsString('id="kerioStatus" data-state="suspended"', $this->whmcs->clientArea($serviceId), 'rendered under the Smarty security policy');
    }

    public function testWhileKerioIsDownTheClientAreaDoesNotAskForPasswordRulesToo(): void
    {
        $serverId = $this->addServer();
        $serviceId = $this->createdService([], [], $serverId);
        $this->whmcs->updateServer($serverId, ['port' => 1]);
        $before = (int) Capsule::table('tblmodulelog')->max('id');

        $html = $this->whmcs->clientArea($serviceId);

        $this->assertStringNotContainsString('id="kerioPasswordRules"', $html);
        $asked = Capsule::table('tblmodulelog')->where('id', '>', $before)->where('request', 'like', '%password_rules%')->count();
        $this->assertSame(0, $asked, 'no second engine call (password_rules) after account_info failed');
    }
}
