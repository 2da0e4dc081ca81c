<?php

namespace KerioSingle\Tests;

use KerioSingle\Tests\Support\ModuleTestCase;

/**
 * Suspend, unsuspend, change password and the three terminate modes, each checked on Kerio.
 */
final class LifecycleTest extends ModuleTestCase
{
    public function testSuspendLocksTheMailboxAndUnsuspendReopensIt(): void
    {
        $serviceId = $this->createdService();
        $address = $this->address($serviceId);

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend', ['suspendreason' => 'Abuse report']));
        $this->assertSame('Suspended', $this->whmcs->service($serviceId)->domainstatus);
        $this->assertSame('Abuse report', $this->whmcs->service($serviceId)->suspendreason);
        $this->assertFalse($this->emulator->user($address)['isEnabled']);
        $this->assertFalse($this->emulator->webmailLogin($address, self::ALPHABET_PASSWORD));

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'unsuspend'));
        $this->assertSame('Active', $this->whmcs->service($serviceId)->domainstatus);
        $this->assertTrue($this->emulator->user($address)['isEnabled']);
        $this->assertTrue($this->emulator->webmailLogin($address, self::ALPHABET_PASSWORD));
    }

    public function testSuspendingTwiceIsStillSuccess(): void
    {
        $serviceId = $this->createdService();

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));
        $this->assertSame('', $this->whmcs->service($serviceId)->suspendreason, 'the default overdue reason is stored blank');
    }

    public function testActionsOnAServiceWithoutMailboxSayToCreateFirst(): void
    {
        $serviceId = $this->order($this->addProduct(), $this->addServer());

        foreach (['suspend', 'unsuspend', 'terminate', 'changepw', 'upgrade'] as $action) {
            $result = $this->whmcs->moduleAction($serviceId, $action);
            $this->assertStringContainsString('run Create first', $result, $action);
        }
        $this->assertSame('Pending', $this->whmcs->service($serviceId)->domainstatus);
    }

    public function testSuspendOfAMailboxThatVanishedFromKerioFails(): void
    {
        $serviceId = $this->createdService(['terminate_mode' => 'delete']);
        $address = $this->address($serviceId);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'terminate'));
        \WHMCS\Database\Capsule::table('tblhosting')->where('id', $serviceId)->update(['domainstatus' => 'Active', 'username' => $address]);

        $this->assertNotSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));
        $this->assertSame('not_found', $this->lastErrorCode());
        $this->assertSame('Active', $this->whmcs->service($serviceId)->domainstatus);
    }

    public function testAdminPasswordChangeSetsTheNewPasswordOnKerio(): void
    {
        $serviceId = $this->createdService();
        $address = $this->address($serviceId);
        $newPassword = "N3w pass & \"quoted\" <tag> 'x' \\ % + #";

        $this->assertSame('success', $this->whmcs->changePassword($serviceId, $newPassword));

        $this->assertTrue($this->emulator->webmailLogin($address, $newPassword));
        $this->assertFalse($this->emulator->webmailLogin($address, self::ALPHABET_PASSWORD));
        $this->assertSame($newPassword, $this->whmcs->servicePassword($serviceId));
    }

    public function testARefusedClientPasswordChangeKeepsTheOldPasswordEverywhere(): void
    {
        $serviceId = $this->createdService();
        $address = $this->address($serviceId);

        $result = $this->whmcs->changePassword($serviceId, 'weak', true);

        $this->assertSame(\KerioSingle\Harness\Whmcs::CLIENT_PASSWORD_CHANGE_FAILED, $result, 'WHMCS shows the client its own text');
        $this->assertStringContainsString('characters', $this->whmcs->lastModuleError($serviceId), 'staff see the reason');
        $this->assertSame('invalid_input', $this->lastErrorCode());
        $this->assertSame(self::ALPHABET_PASSWORD, $this->whmcs->servicePassword($serviceId));
        $this->assertTrue($this->emulator->webmailLogin($address, self::ALPHABET_PASSWORD));
    }

    public function testTerminateDeleteRemovesTheMailboxAndItsData(): void
    {
        $serviceId = $this->createdService(['terminate_mode' => 'delete']);
        $address = $this->address($serviceId);

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'terminate'));

        $this->assertSame('Terminated', $this->whmcs->service($serviceId)->domainstatus);
        $this->assertNull($this->emulator->user($address));
        $this->assertSame([], $this->keptMailboxes($address));
    }

    public function testTerminateKeepRemovesTheUserButKeepsTheMailStore(): void
    {
        $serviceId = $this->createdService(['terminate_mode' => 'keep']);
        $address = $this->address($serviceId);
        $this->emulator->setUsage($address, 5 * 1024 * 1024, 12);

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'terminate'));

        $this->assertNull($this->emulator->user($address));
        $kept = $this->keptMailboxes($address);
        $this->assertCount(1, $kept);
        $this->assertSame(5 * 1024 * 1024, (int) $kept[0]['bytes']);
    }

    public function testTerminateArchiveMovesTheMailIntoTheArchiveMailbox(): void
    {
        $serverId = $this->addServer();
        $archiveService = $this->createdService([], ['localpart' => $this->uniqueLocalPart('archive')], $serverId);
        $archive = $this->address($archiveService);
        $serviceId = $this->createdService(['terminate_mode' => 'archive', 'archive_mailbox' => $archive], [], $serverId);
        $address = $this->address($serviceId);
        $this->emulator->setUsage($address, 3 * 1024 * 1024, 7);

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'terminate'));

        $this->assertNull($this->emulator->user($address));
        $this->assertSame(3 * 1024 * 1024, self::bytesOf($this->emulator->user($archive)['consumedSize']));
    }

    public function testTerminateArchiveWithoutArchiveMailboxIsRefusedAndKeepsTheMailbox(): void
    {
        $serviceId = $this->createdService(['terminate_mode' => 'archive']);

        $this->assertNotSame('success', $this->whmcs->moduleAction($serviceId, 'terminate'));
        $this->assertSame('Active', $this->whmcs->service($serviceId)->domainstatus);
        $this->assertNotNull($this->emulator->user($this->address($serviceId)));
    }

    public function testTerminatingAnAlreadyRemovedMailboxSucceeds(): void
    {
        $serviceId = $this->createdService();
        $address = $this->address($serviceId);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'terminate'));
        \WHMCS\Database\Capsule::table('tblhosting')->where('id', $serviceId)->update(['domainstatus' => 'Active', 'username' => $address]);

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'terminate'));
    }

    public function testTerminateRefusesAMailboxBelongingToAnotherService(): void
    {
        $serverId = $this->addServer();
        $owner = $this->createdService([], [], $serverId);
        $intruder = $this->order($this->addProduct(), $serverId);
        \WHMCS\Database\Capsule::table('tblhosting')->where('id', $intruder)
            ->update(['domainstatus' => 'Active', 'username' => $this->address($owner)]);

        $this->assertNotSame('success', $this->whmcs->moduleAction($intruder, 'terminate'));
        $this->assertSame('not_owned', $this->lastErrorCode());
        $this->assertNotNull($this->emulator->user($this->address($owner)));
    }

    /**
     * @return list<array<string, mixed>> kept mail stores of the address
     */
    private function keptMailboxes(string $address): array
    {
        [$local] = explode('@', $address);
        return array_values(array_filter(
            (array) $this->emulator->state()['keptMailboxes'],
            static fn (array $kept): bool => strcasecmp((string) $kept['loginName'], $local) === 0
        ));
    }
}
