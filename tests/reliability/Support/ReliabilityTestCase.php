<?php

namespace KerioSingle\Reliability\Support;

use KerioSingle\Tests\Support\ModuleTestCase;
use KerioSingle\Tests\Support\TestEnvironment;

/**
 * Base of the reliability suites: the module suites' set-up (fresh WHMCS database, shared
 * emulator) plus what the secret scan needs (every secret used is recorded, every test's database
 * logs are archived) and a comparable snapshot of the emulator's state.
 */
abstract class ReliabilityTestCase extends ModuleTestCase
{
    protected function setUp(): void
    {
        parent::setUp();
        RunLogs::addEmulatorLog($this->emulator->logFile());
        SecretLedger::remember(TestEnvironment::ADMIN_PASSWORD, self::ALPHABET_PASSWORD);
    }

    protected function tearDown(): void
    {
        RunLogs::archiveDatabaseLogs(static::class . '::' . $this->getName());
        parent::tearDown();
    }

    /** A server pinned to the emulator; its password is recorded for the secret scan. */
    protected function addServer(array $overrides = []): int
    {
        SecretLedger::remember((string) ($overrides['password'] ?? ''));
        return parent::addServer($overrides);
    }

    /** An order; its password is recorded for the secret scan. */
    protected function order(int $productId, int $serverId, array $fields = []): int
    {
        SecretLedger::remember((string) ($fields['password'] ?? ''));
        return parent::order($productId, $serverId, $fields);
    }

    /**
     * The emulator's whole state (domains, users, kept mailboxes) in a comparable form: last-login
     * data is dropped (every admin login updates it) and users are keyed by id.
     *
     * @return array<string, mixed>
     */
    protected function emulatorSnapshot(): array
    {
        $state = $this->emulator->state();
        $users = [];
        foreach ((array) $state['users'] as $user) {
            unset($user['lastLoginInfo']);
            $users[(string) $user['id']] = $user;
        }
        ksort($users);
        $state['users'] = $users;
        return $state;
    }

    /** Asserts the emulator's state equals an earlier snapshot. */
    protected function assertEmulatorUnchanged(array $before, string $case): void
    {
        $after = $this->emulatorSnapshot();
        $this->assertSame(array_keys($before['users']), array_keys($after['users']), $case . ': users added or removed');
        $this->assertEquals($before, $after, $case . ': the emulator state changed');
    }

    /**
     * Kerio users whose address is $address (case-insensitive).
     *
     * @return list<array<string, mixed>>
     */
    protected function usersWithAddress(string $address): array
    {
        return array_values(array_filter(
            (array) $this->emulator->state()['users'],
            static fn (array $user): bool => strcasecmp((string) ($user['email'] ?? ''), $address) === 0
        ));
    }
}
