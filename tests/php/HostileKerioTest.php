<?php

namespace KerioSingle\Tests;

use KerioSingle\Tests\Support\ModuleTestCase;

/**
 * Issue 17.8: a hostile Kerio server (the emulator's `hostile_after` fault) answers with a 50 MB
 * description and domain names that are no host names. The client area and the admin tab still
 * work on a bounded answer (PHP's peak memory barely moves), and the invalid names never reach the
 * product's Domains list or the order form; the admin is told they were left out.
 */
final class HostileKerioTest extends ModuleTestCase
{
    private const FIFTY_MB = 50 * 1024 * 1024;

    public function testAFiftyMegabyteDescriptionNeitherFillsPhpsMemoryNorBreaksThePages(): void
    {
        $serviceId = $this->createdService();
        $this->hostile();
        $before = memory_get_peak_usage();

        $page = $this->whmcs->clientArea($serviceId);
        $tab = $this->whmcs->adminServicesTabFields($serviceId);

        $grown = memory_get_peak_usage() - $before;
        fwrite(STDERR, sprintf("\n[issue 17.8] PHP peak memory grew by %.1f MB for ClientArea + admin tab with a 50 MB description\n", $grown / 1048576));
        $this->assertLessThan(8 * 1024 * 1024, $grown, 'the answer PHP reads is bounded');
        $this->assertStringContainsString($this->address($serviceId), $page);
        $this->assertStringNotContainsString('<script>alert(1)</script>', $page);
        $this->assertStringNotContainsString('<script>alert(1)</script>', implode("\n", array_map('strval', (array) $tab)));
    }

    public function testDomainNamesThatAreNoHostNamesNeverReachTheDomainsListAndAreReported(): void
    {
        $this->addServer();
        $this->hostile();
        $productId = $this->addProduct(['domains' => 'example.com']);

        $description = (string) $this->whmcs->openModuleSettings($productId)['domains']['Description'];

        $this->assertStringContainsString('not valid host names, left out of the Domains list: &quot;\\u{3c}script\\u{3e}&quot;, &quot;a..b&quot;', $description);
        $this->assertStringNotContainsString('<script>', $description);
        $this->assertSame('example.com', $this->whmcs->productCustomFields($productId)['maildomain']->fieldoptions);
        $this->whmcs->setProductServerGroup($productId, $this->whmcs->addServerGroup('Kerio', [$this->addServer()]));
        $options = (array) ($this->whmcs->productPage($productId)->open()['domains']['Options'] ?? []);
        $this->assertContains('example.com', array_map('strval', array_keys($options)), 'the Simple Mode dropdown was loaded');
        $this->assertNotContains('<script>', array_map('strval', array_keys($options)));
        $this->assertNotContains('a..b', array_map('strval', array_keys($options)));
    }

    /** Every answer of the emulator, until the next test, is hostile. */
    private function hostile(): void
    {
        $this->emulator->addFault(['method' => '*', 'kind' => 'hostile_after', 'times' => 1000,
            'description_bytes' => self::FIFTY_MB, 'domain_names' => ['<script>', 'a..b']]);
    }
}
