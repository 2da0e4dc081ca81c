<?php

namespace KerioSingle\Reliability\Support;

use KerioSingle\Tests\Support\ModuleTestCase;

/**
 * Base of the reliability suites: the module suites' set-up (fresh WHMCS database, shared
 * emulator, secrets recorded and database logs archived for the secret scan) plus a comparable
 * snapshot of the emulator's state.
 */
abstract class ReliabilityTestCase extends ModuleTestCase
{
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
