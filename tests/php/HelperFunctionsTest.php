<?php

namespace KerioSingle\Tests;

use KerioSingle\Tests\Support\ModuleTestCase;

/**
 * The seed's helper functions (kerioSingleFindAll, kerioSingleCheckPassword, kerioSingleUpdateQuota),
 * MetaData and the client area page.
 */
final class HelperFunctionsTest extends ModuleTestCase
{
    public function testFindAllCollectsAKeyAtEveryDepthOfArraysAndObjects(): void
    {
        $haystack = [
            'domains' => [['name' => 'a.example', 'users' => ['name' => 'inner']], (object) ['name' => 'b.example']],
            'name' => 'top',
        ];

        $this->assertSame(['a.example', 'inner', 'b.example', 'top'], kerioSingleFindAll($haystack, 'name'));
        $this->assertSame([], kerioSingleFindAll($haystack, 'missing'));
    }

    public function testCheckPasswordAcceptsAGoodPasswordWithEmptyText(): void
    {
        $this->assertSame('', kerioSingleCheckPassword(self::ALPHABET_PASSWORD));
    }

    public function testCheckPasswordNamesWhatIsMissing(): void
    {
        $this->assertNotSame('', kerioSingleCheckPassword('abc'));
    }

    public function testCheckPasswordAppliesTheProductMinimum(): void
    {
        $params = ['configoption7' => '40'];

        $this->assertNotSame('', kerioSingleCheckPassword(self::ALPHABET_PASSWORD, $params));
    }

    public function testCheckPasswordWithServiceParamsAsksTheServerForTheDomainPolicy(): void
    {
        $params = \KerioSingle\Harness\ParamsBuilder::forService($this->createdService(), 'kerioSingle');
        $this->emulator->resetStats();

        $this->assertSame('', kerioSingleCheckPassword(self::ALPHABET_PASSWORD, $params));
        $this->assertNotSame('', kerioSingleCheckPassword('short', $params));
        $this->assertGreaterThan(0, $this->emulator->stats()['total'], 'the domain policy was read from Kerio');
    }

    public function testUpdateQuotaRecordsTheQuotaInTheAdminOnlyField(): void
    {
        $serviceId = $this->createdService(['quota_mb' => '1024']);
        $params = \KerioSingle\Harness\ParamsBuilder::forService($serviceId, 'kerioSingle');

        $this->assertSame('success', kerioSingleUpdateQuota($params, 333));
        $this->assertSame('333', $this->whmcs->customFieldValue($serviceId, 'quota'));
        $this->assertSame('success', kerioSingleUpdateQuota($params));
        $this->assertSame('1024', $this->whmcs->customFieldValue($serviceId, 'quota'));
    }

    public function testMetaDataIsPureAndDeclaresTheKerioPort(): void
    {
        $meta = kerioSingle_MetaData();

        $this->assertSame('1.1', $meta['APIVersion']);
        $this->assertSame('4040', $meta['DefaultSSLPort']);
        $this->assertFalse($meta['AutoGenerateUsernameAndPassword']);
    }

    public function testTheServerPortFallsBackToTheMetaDataDefault(): void
    {
        $serverId = $this->addServer(['port' => null]);

        $params = \KerioSingle\Harness\ParamsBuilder::forServer($serverId, 'kerioSingle');

        $this->assertSame('4040', $params['serverport']);
    }

    public function testTheClientAreaRendersTheMailboxWithSmarty(): void
    {
        $serviceId = $this->createdService(['quota_mb' => '2048']);

        $html = $this->whmcs->clientArea($serviceId);

        $this->assertStringContainsString(htmlspecialchars($this->address($serviceId)), $html);
        $this->assertStringNotContainsString(self::ALPHABET_PASSWORD, $html);
        $this->assertStringNotContainsString(htmlspecialchars(self::ALPHABET_PASSWORD, ENT_QUOTES), $html);
    }
}
