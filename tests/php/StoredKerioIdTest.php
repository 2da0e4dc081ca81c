<?php

namespace KerioSingle\Tests;

use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Database\Capsule;
use WHMCS\Module\Server\kerioSingle\CustomFields;

/**
 * The Kerio user id kept in the admin-only `kerio_id` field: recorded at create, passed to the engine
 * so each action needs fewer Kerio exchanges, filled in for services created without it, and replaced
 * when stale, never acting on a mailbox another service owns.
 */
final class StoredKerioIdTest extends ModuleTestCase
{
    public function testCreateRecordsTheKerioIdInAnAdminOnlyField(): void
    {
        $serviceId = $this->createdService();

        $kerioId = (string) $this->emulator->user($this->address($serviceId))['id'];
        $this->assertStringStartsWith('keriodb://user/', $kerioId);
        $this->assertSame($kerioId, $this->whmcs->customFieldValue($serviceId, CustomFields::KERIO_ID));
        $field = $this->whmcs->productCustomFields((int) $this->whmcs->service($serviceId)->packageid)[CustomFields::KERIO_ID];
        $this->assertSame('kerio_id|Kerio user ID', $field->fieldname);
        $this->assertSame('on', $field->adminonly);
        $this->assertSame('', (string) $field->showorder);
    }

    public function testEachActionWithTheStoredIdNeedsAtMostFourExchanges(): void
    {
        $serverId = $this->addServer();
        $serviceId = $this->createdService([], [], $serverId);
        $address = $this->address($serviceId);
        $bigger = $this->addProduct(['quota_mb' => '2048']);

        $this->assertSame(['Batch.run', 'Session.login', 'Session.logout', 'Users.set'], $this->callsOf(fn () => $this->whmcs->moduleAction($serviceId, 'suspend')));
        $this->assertFalse($this->emulator->user($address)['isEnabled']);
        $this->assertSame(['Batch.run', 'Session.login', 'Session.logout', 'Users.set'], $this->callsOf(fn () => $this->whmcs->moduleAction($serviceId, 'unsuspend')));
        $this->assertTrue($this->emulator->user($address)['isEnabled']);
        $this->assertSame(
            ['Batch.run', 'Session.login', 'Session.logout', 'Users.set'],
            $this->callsOf(fn () => $this->whmcs->changePassword($serviceId, 'Fresh-Passw0rd!'))
        );
        $this->assertTrue($this->emulator->webmailLogin($address, 'Fresh-Passw0rd!'));
        $this->assertSame(
            ['Batch.run', 'Session.login', 'Session.logout', 'Users.set'],
            $this->callsOf(fn () => $this->whmcs->changePackage($serviceId, $bigger))
        );
        $this->assertSame(2048, $this->kerioQuotaMb($serviceId));
        $this->assertSame(['Batch.run', 'Session.login', 'Session.logout', 'Users.remove'], $this->callsOf(fn () => $this->whmcs->moduleAction($serviceId, 'terminate')));
        $this->assertNull($this->emulator->user($address));
    }

    public function testAServiceWithoutTheIdWorksByAddressAndGetsItRecorded(): void
    {
        $serviceId = $this->createdService();
        $kerioId = $this->whmcs->customFieldValue($serviceId, CustomFields::KERIO_ID);
        // As a service created before the module kept ids.
        $this->setStoredId($serviceId, '');

        $this->assertSame(
            ['Domains.get', 'Session.login', 'Session.logout', 'Users.get', 'Users.set'],
            $this->callsOf(fn () => $this->whmcs->moduleAction($serviceId, 'suspend'))
        );
        $this->assertSame($kerioId, $this->whmcs->customFieldValue($serviceId, CustomFields::KERIO_ID));
        $this->assertSame(['Batch.run', 'Session.login', 'Session.logout', 'Users.set'], $this->callsOf(fn () => $this->whmcs->moduleAction($serviceId, 'unsuspend')));
        $this->assertTrue($this->emulator->user($this->address($serviceId))['isEnabled']);
    }

    public function testAStaleIdFallsBackToTheAddressAndIsReplaced(): void
    {
        $serviceId = $this->createdService(['terminate_mode' => 'delete']);
        $address = $this->address($serviceId);
        $staleId = $this->whmcs->customFieldValue($serviceId, CustomFields::KERIO_ID);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'terminate'));
        $this->reactivate($serviceId, $address);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $freshId = (string) $this->emulator->user($address)['id'];
        $this->assertNotSame($staleId, $freshId);
        $this->setStoredId($serviceId, $staleId);

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));

        $this->assertFalse($this->emulator->user($address)['isEnabled']);
        $this->assertSame($freshId, $this->whmcs->customFieldValue($serviceId, CustomFields::KERIO_ID));
    }

    public function testAStaleIdNeverActsOnTheRecreatedMailboxOfAnotherService(): void
    {
        $serverId = $this->addServer();
        $first = $this->createdService(['terminate_mode' => 'delete'], [], $serverId);
        $address = $this->address($first);
        $staleId = $this->whmcs->customFieldValue($first, CustomFields::KERIO_ID);
        $this->assertSame('success', $this->whmcs->moduleAction($first, 'terminate'));
        $this->reactivate($first, $address);
        [$localpart] = explode('@', $address);
        $second = $this->createdService([], ['localpart' => $localpart], $serverId);
        $this->assertSame($address, $this->address($second));
        $before = $this->emulator->user($address);

        foreach (['suspend', 'terminate', 'changepw'] as $action) {
            $result = $action === 'changepw'
                ? $this->whmcs->changePassword($first, 'Other-Passw0rd!')
                : $this->whmcs->moduleAction($first, $action);
            $this->assertNotSame('success', $result, $action);
            $this->assertSame('not_owned', $this->lastErrorCode(), $action);
            $this->assertSame($before, $this->emulator->user($address), $action . ' changed the other service\'s mailbox');
        }
        $this->assertSame('success', $this->whmcs->moduleAction($second, 'suspend'));
        $this->assertNotSame('success', $this->whmcs->moduleAction($first, 'unsuspend'));
        $this->assertFalse($this->emulator->user($address)['isEnabled']);
        $this->assertSame($staleId, $this->whmcs->customFieldValue($first, CustomFields::KERIO_ID), 'the stale id is not replaced by a stranger\'s');
    }

    /**
     * The Kerio methods the action called, sorted (the emulator counts per method).
     *
     * @param callable(): string $action
     * @return list<string>
     */
    private function callsOf(callable $action): array
    {
        $this->emulator->resetStats();
        $this->assertSame('success', $action());
        $stats = $this->emulator->stats();
        $methods = [];
        foreach ((array) $stats['methods'] as $method => $count) {
            array_push($methods, ...array_fill(0, (int) $count, (string) $method));
        }
        $this->assertCount((int) $stats['total'], $methods);
        sort($methods);
        return $methods;
    }

    private function setStoredId(int $serviceId, string $kerioId): void
    {
        $service = $this->whmcs->service($serviceId);
        CustomFields::setValue((int) $service->packageid, $serviceId, CustomFields::KERIO_ID, $kerioId);
    }

    /** Puts a terminated service back to Active with its address, as an admin editing the service would. */
    private function reactivate(int $serviceId, string $address): void
    {
        Capsule::table('tblhosting')->where('id', $serviceId)->update(['domainstatus' => 'Active', 'username' => $address]);
    }
}
