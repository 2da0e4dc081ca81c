<?php

namespace KerioSingle\Reliability;

use KerioSingle\Harness\Emulator;
use KerioSingle\Reliability\Support\AdminCli;
use KerioSingle\Reliability\Support\ReliabilityTestCase;
use KerioSingle\SecretScan\RunLogs;
use KerioSingle\Tests\Support\TestEnvironment;
use WHMCS\Database\Capsule;
use WHMCS\Module\Server\kerioSingle\CustomFields;
use WHMCS\Module\Server\kerioSingle\Engine;

/**
 * Fault survival: for every fault kind of the emulator, on every Kerio call an action makes, and
 * for licence full, lockout, a wrong TLS fingerprint and a missing engine: the action fails with a
 * clear error, nothing is half-created (WHMCS and Kerio agree), and repeating the action once the
 * fault is gone succeeds, the way WHMCS's module queue retries it.
 *
 * Servers here use `timeout = 1` (1 s per Kerio request), so a `delay` of 3 s is past the timeout.
 * A delayed request is still carried out by Kerio after the engine gave up; such a mailbox carries
 * the service id in its description, so the retry recognises it as its own.
 */
final class FaultSurvivalTest extends ReliabilityTestCase
{
    private const KINDS = ['http500', 'http502', 'reset', 'malformed', 'delay'];
    private const DELAY_MS = 3000;
    /** What each fault's error must talk about. */
    private const FAULT_MESSAGES = [
        'http500' => '/HTTP|status|500|server error/i',
        'http502' => '/HTTP|status|502|gateway/i',
        'reset' => '/connection|reset|closed/i',
        'malformed' => '/invalid|JSON|answer|unreadable/i',
        'delay' => '/time|did not answer|seconds/i',
        'reset_after' => '/connection|reset|closed/i',
        'http500_after' => '/HTTP|status|500|server error/i',
    ];
    /** Fault kinds in which Kerio carries out the call and the answer is lost. */
    private const KINDS_AFTER_THE_WRITE = ['reset_after', 'http500_after'];
    /** Each action's write to Kerio (create also writes nothing else). */
    private const WRITES = [
        'create' => 'Users.create', 'suspend' => 'Users.set', 'unsuspend' => 'Users.set', 'changepw' => 'Users.set',
        'upgrade' => 'Users.set', 'terminate' => 'Users.remove', 'adopt' => 'Users.set', 'trim aliases' => 'Users.set',
    ];

    /**
     * @return iterable<string, array{0: string, 1: string}>
     */
    public static function createFaults(): iterable
    {
        foreach (['Session.login', 'Domains.get', 'Users.create'] as $method) {
            foreach (self::KINDS as $kind) {
                yield $kind . ' on ' . $method => [$method, $kind];
            }
        }
    }

    /**
     * @dataProvider createFaults
     */
    public function testCreateSurvivesTheFaultAndTheRetryCompletesIt(string $method, string $kind): void
    {
        $serverId = $this->addServer(['accesshash' => $this->accessHash(1)]);
        $local = $this->uniqueLocalPart('fault');
        $address = $local . '@example.com';
        $serviceId = $this->order($this->addProduct(), $serverId, ['localpart' => $local]);
        $this->inject($method, $kind);

        $error = $this->whmcs->moduleAction($serviceId, 'create');

        $this->assertClearError($error, self::FAULT_MESSAGES[$kind]);
        $this->assertSame('Pending', $this->whmcs->service($serviceId)->domainstatus);
        $this->assertSame('', (string) $this->whmcs->service($serviceId)->username);
        $this->assertSame(1, $this->openQueueRows($serviceId));
        $this->settle($kind);
        $this->assertNothingHalfCreated($address, $serviceId, $kind === 'delay' ? 1 : 0);

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'), 'the retry');

        $this->assertCount(1, $this->usersWithAddress($address));
        $this->assertSame('Active', $this->whmcs->service($serviceId)->domainstatus);
        $this->assertSame(0, $this->openQueueRows($serviceId));
        $this->assertTrue($this->emulator->webmailLogin($address, self::ALPHABET_PASSWORD));
    }

    /**
     * @return iterable<string, array{0: string}>
     */
    public static function kinds(): iterable
    {
        foreach (self::KINDS as $kind) {
            yield $kind => [$kind];
        }
    }

    /**
     * An earlier attempt made the mailbox but WHMCS never heard back (its answer was lost; here the
     * earlier attempt is made with the admin CLI for this service id). The retry's Users.create
     * answers "exists", and its Users.get (the ownership check) meets the fault. The next attempt
     * adopts the mailbox.
     *
     * @dataProvider kinds
     */
    public function testARetriedCreateSurvivesAFaultInItsOwnershipLookup(string $kind): void
    {
        $serverId = $this->addServer(['accesshash' => $this->accessHash(1)]);
        $local = $this->uniqueLocalPart('adopt');
        $address = $local . '@example.com';
        $serviceId = $this->order($this->addProduct(), $serverId, ['localpart' => $local]);
        $earlier = AdminCli::run($this->emulator, ['account', 'create', $address, '--service-id', (string) $serviceId,
            '--quota', '1024', '--password-stdin'], self::ALPHABET_PASSWORD . "\n", TestEnvironment::ADMIN_PASSWORD);
        $this->assertSame(0, $earlier['exit'], $earlier['stderr']);
        $this->inject('Users.get', $kind);

        $error = $this->whmcs->moduleAction($serviceId, 'create');

        $this->assertClearError($error, self::FAULT_MESSAGES[$kind]);
        $this->assertSame('Pending', $this->whmcs->service($serviceId)->domainstatus);
        $this->settle($kind);
        $this->assertNothingHalfCreated($address, $serviceId, 1);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'), 'the retry');
        $this->assertCount(1, $this->usersWithAddress($address));
        $this->assertSame('Active', $this->whmcs->service($serviceId)->domainstatus);
        $this->assertTrue($this->emulator->webmailLogin($address, self::ALPHABET_PASSWORD));
    }

    /**
     * @return iterable<string, array{0: string, 1: string}>
     */
    public static function actionFaults(): iterable
    {
        $actions = ['suspend' => 'Users.set', 'unsuspend' => 'Users.set', 'changepw' => 'Users.set',
            'upgrade' => 'Users.set', 'terminate' => 'Users.remove', 'usage' => 'Users.get', 'trim aliases' => 'Users.set'];
        foreach ($actions as $action => $method) {
            foreach (self::KINDS as $kind) {
                yield $kind . ' on ' . $method . ' during ' . $action => [$action, $method, $kind];
            }
        }
    }

    /**
     * @dataProvider actionFaults
     */
    public function testAccountActionSurvivesTheFaultAndTheRetryCompletesIt(string $action, string $method, string $kind): void
    {
        $serverId = $this->addServer(['accesshash' => $this->accessHash(1)]);
        $serviceId = $this->createdService(['quota_mb' => '1024'], [], $serverId);
        if ($action === 'unsuspend') {
            $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));
        }
        $statusBefore = (string) $this->whmcs->service($serviceId)->domainstatus;
        $run = $this->accountAction($action, $serviceId, $serverId);
        $before = $this->emulatorSnapshot();
        $this->inject($method, $kind);

        $error = $run['action']();

        $this->assertClearError($error, self::FAULT_MESSAGES[$kind]);
        $this->assertSame($statusBefore, (string) $this->whmcs->service($serviceId)->domainstatus, 'WHMCS status unchanged');
        $this->settle($kind);
        if ($kind !== 'delay') {
            $this->assertEmulatorUnchanged($before, $kind . ' on ' . $method);
        }

        $this->assertSame('success', $run['action'](), 'the retry');
        $run['check']();
    }

    /**
     * @return iterable<string, array{0: string, 1: string}>
     */
    public static function faultsAfterTheWrite(): iterable
    {
        foreach (self::WRITES as $action => $method) {
            foreach (self::KINDS_AFTER_THE_WRITE as $kind) {
                yield $kind . ' on ' . $method . ' during ' . $action => [$action, $kind];
            }
        }
    }

    /**
     * Kerio carries out the action's write, then its answer is lost (issue 9 §6). WHMCS reports a
     * clear failure and records nothing (status, username, Kerio user ID as before; the module queue
     * holds the action), Kerio holds exactly the one change (no duplicate, no lost mailbox). Repeating
     * the action once, as the module queue does, succeeds and both sides agree: the retried create
     * finds its own mailbox, a second terminate is success, a second adopt writes nothing.
     *
     * @dataProvider faultsAfterTheWrite
     */
    public function testAFaultAfterTheWriteLeavesBothSidesConsistentAndOneRetryConverges(string $action, string $kind): void
    {
        $serverId = $this->addServer(['accesshash' => $this->accessHash(5)]);
        $run = $this->actionAfterTheWrite($action, $serverId);
        $whmcsBefore = $this->whmcsSide($run['service']);
        $this->inject(self::WRITES[$action], $kind);

        $error = $run['action']();

        $this->assertClearError($error, self::FAULT_MESSAGES[$kind]);
        $this->settle($kind);
        $this->assertSame($whmcsBefore, $this->whmcsSide($run['service']), 'WHMCS records nothing of the failed action');
        if (!in_array($action, ['adopt', 'trim aliases'], true)) { // admin buttons: WHMCS queues no retry
            $this->assertSame(1, $this->openQueueRows($run['service']), 'the module queue holds the action for a retry');
        }
        $run['written']();

        $this->assertSame('success', $run['action'](), 'the retry');
        $this->assertSame(0, $this->openQueueRows($run['service']));
        $run['check']();
    }

    /**
     * The action (on a Pending order for create, an unmarked mailbox imported into an Active service
     * for adopt, else an Active or Suspended mailbox), what Kerio must hold once the lost write was
     * carried out, and the check of both sides after the retry.
     *
     * @return array{service: int, action: callable(): string, written: callable(): void, check: callable(): void}
     */
    private function actionAfterTheWrite(string $action, int $serverId): array
    {
        if ($action === 'create') {
            return $this->createAfterTheWrite($serverId);
        }
        if ($action === 'adopt') {
            return $this->adoptAfterTheWrite($serverId);
        }
        $serviceId = $this->createdService(['quota_mb' => '1024'], [], $serverId);
        if ($action === 'unsuspend') {
            $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));
        }
        $run = $this->accountAction($action, $serviceId, $serverId);
        $address = $this->address($serviceId);
        $written = function () use ($action, $address): void {
            $users = $this->usersWithAddress($address);
            $this->assertCount($action === 'terminate' ? 0 : 1, $users, 'the write was carried out once');
        };
        return ['service' => $serviceId, 'action' => $run['action'], 'written' => $written, 'check' => $run['check']];
    }

    /** @return array{service: int, action: callable(): string, written: callable(): void, check: callable(): void} */
    private function createAfterTheWrite(int $serverId): array
    {
        $local = $this->uniqueLocalPart('lost');
        $address = $local . '@example.com';
        $serviceId = $this->order($this->addProduct(), $serverId, ['localpart' => $local]);
        return [
            'service' => $serviceId,
            'action' => fn (): string => $this->whmcs->moduleAction($serviceId, 'create'),
            'written' => fn () => $this->assertNothingHalfCreated($address, $serviceId, 1),
            'check' => function () use ($serviceId, $address): void {
                $this->assertCount(1, $this->usersWithAddress($address));
                $this->assertSame('Active', $this->whmcs->service($serviceId)->domainstatus);
                $this->assertSame($address, $this->address($serviceId));
                $this->assertTrue($this->emulator->webmailLogin($address, self::ALPHABET_PASSWORD));
            },
        ];
    }

    /** @return array{service: int, action: callable(): string, written: callable(): void, check: callable(): void} */
    private function adoptAfterTheWrite(int $serverId): array
    {
        $serviceId = $this->createdService([], [], $serverId);
        $login = 'imported.' . bin2hex(random_bytes(3));
        $address = $login . '@example.com';
        \KerioSingle\SecretScan\SecretLedger::remember('Imported-Pass-77!');
        $this->emulator->addAdmin($login, 'example.com', 'Imported-Pass-77!', 'UserRole');
        Capsule::table('tblhosting')->where('id', $serviceId)->update(['username' => $address]);
        $product = (int) $this->whmcs->service($serviceId)->packageid;
        CustomFields::setValue($product, $serviceId, 'kerio_id', '');
        $marked = fn (): bool => strpos((string) $this->emulator->user($address)['description'], 'WHMCS service #' . $serviceId) !== false;
        return [
            'service' => $serviceId,
            'action' => fn (): string => $this->whmcs->adminCustomButton($serviceId, 'Adopt existing mailbox'),
            'written' => fn () => $this->assertTrue($marked(), 'the mark was written'),
            'check' => function () use ($serviceId, $address, $marked): void {
                $this->assertTrue($marked());
                $this->assertSame((string) $this->emulator->user($address)['id'], $this->whmcs->customFieldValue($serviceId, 'kerio_id'));
                $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'), 'the adopted mailbox works');
                $this->assertFalse($this->emulator->user($address)['isEnabled']);
            },
        ];
    }

    /**
     * What WHMCS holds about the service: status, username and the Kerio user ID (of whichever product
     * holds it: an upgrade moves the service before the module runs).
     *
     * @return array<string, string>
     */
    private function whmcsSide(int $serviceId): array
    {
        $service = $this->whmcs->service($serviceId);
        return [
            'status' => (string) $service->domainstatus, 'username' => (string) $service->username,
            'kerio_id' => CustomFields::latestServiceValue($serviceId, 'kerio_id'),
        ];
    }

    /**
     * @return iterable<string, array{0: string, 1: string}>
     */
    public static function sessionExpiries(): iterable
    {
        yield 'create, session expires before Domains.get' => ['create', 'Domains.get'];
        yield 'create, session expires before Users.create' => ['create', 'Users.create'];
        yield 'suspend, session expires before Users.set' => ['suspend', 'Users.set'];
        yield 'terminate, session expires before Users.remove' => ['terminate', 'Users.remove'];
    }

    /**
     * Kerio ends the session in the middle of the action: the engine logs in again once and the
     * action completes on the first try, without doing anything twice.
     *
     * @dataProvider sessionExpiries
     */
    public function testSessionExpiryInTheMiddleOfAnActionIsSurvivedWithoutARetry(string $action, string $method): void
    {
        $serverId = $this->addServer();
        $serviceId = $action === 'create'
            ? $this->order($this->addProduct(), $serverId)
            : $this->createdService([], [], $serverId);
        $this->emulator->resetStats();
        $this->inject($method, 'expire_session');

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, $action));

        $this->assertSame(2, $this->emulator->stats()['methods']['Session.login'] ?? 0, 'one login again');
        $address = $this->address($serviceId);
        $expected = ['create' => 1, 'suspend' => 1, 'terminate' => 0][$action];
        $this->assertCount($expected, $this->usersWithAddress($address));
        if ($action === 'suspend') {
            $this->assertFalse($this->emulator->user($address)['isEnabled']);
        }
    }

    public function testLicenceFullIsReportedAndTheCreateSucceedsOnceThereIsRoom(): void
    {
        $stateDir = RunLogs::directory() . '/licence-emulator';
        $full = $this->ownEmulator($stateDir, ['--license-users', '1']);
        $serverId = $this->addServer($full->serverFields());
        $local = $this->uniqueLocalPart('licence');
        $serviceId = $this->order($this->addProduct(), $serverId, ['localpart' => $local]);

        $error = $this->whmcs->moduleAction($serviceId, 'create');

        $this->assertClearError($error, '/licen[cs]e/i');
        $this->assertSame('licence_full', $this->lastErrorCode());
        $this->assertNull($full->user($local . '@example.com'));
        $full->stop();

        $roomy = $this->ownEmulator($stateDir, ['--license-users', '10']);
        $this->whmcs->updateServer($serverId, ['port' => $roomy->adminPort()]);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $this->assertNotNull($roomy->user($local . '@example.com'));
    }

    /**
     * Ten bad admin logins block the source address; then even the right password is refused with
     * a message saying so. Kerio keeps the block in memory for a minute; here the emulator is
     * restarted (same state) instead of waiting it out.
     */
    public function testLockoutAfterBadAdminPasswordsIsExplainedAndTheRetryAfterItSucceeds(): void
    {
        $stateDir = RunLogs::directory() . '/lockout-emulator';
        $locked = $this->ownEmulator($stateDir);
        $wrong = 'Not-The-Admin-Pass-7';
        $serverId = $this->addServer(['password' => $wrong] + $locked->serverFields());
        for ($attempt = 1; $attempt <= 10; $attempt++) {
            $this->assertFalse($this->whmcs->testConnection($serverId)['success']);
        }
        $this->whmcs->updateServer($serverId, ['password' => TestEnvironment::ADMIN_PASSWORD]);
        $local = $this->uniqueLocalPart('lockout');
        // The product lists its domain: the locked-out server could not fill the Domain dropdown.
        $serviceId = $this->order($this->addProduct(['domains' => 'example.com']), $serverId, ['localpart' => $local]);

        $error = $this->whmcs->moduleAction($serviceId, 'create');

        $this->assertClearError($error, '/blocked|too many/i');
        $this->assertSame('auth_failed', $this->lastErrorCode());
        $this->assertNull($locked->user($local . '@example.com'));
        $locked->stop();

        $unblocked = $this->ownEmulator($stateDir);
        $this->whmcs->updateServer($serverId, ['port' => $unblocked->adminPort()]);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $this->assertNotNull($unblocked->user($local . '@example.com'));
    }

    public function testAWrongTlsFingerprintNamesThePresentedOneAndTheRetryWithItSucceeds(): void
    {
        $wrongFingerprint = implode(':', array_fill(0, 32, 'AB'));
        $serverId = $this->addServer(['accesshash' => 'tls_fingerprint = ' . $wrongFingerprint . "\ntimeout = 5"]);
        $local = $this->uniqueLocalPart('tls');
        // The product lists its domain: the untrusted server could not fill the Domain dropdown.
        $serviceId = $this->order($this->addProduct(['domains' => 'example.com']), $serverId, ['localpart' => $local]);

        $error = $this->whmcs->moduleAction($serviceId, 'create');

        $this->assertClearError($error, '/fingerprint/i');
        $this->assertStringContainsString($this->emulator->fingerprint(), strtoupper($error), 'the fingerprint to pin');
        $this->assertSame('tls', $this->lastErrorCode());
        $this->assertSame([], $this->usersWithAddress($local . '@example.com'));

        $this->whmcs->updateServer($serverId, ['accesshash' => $this->accessHash(5)]);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $this->assertCount(1, $this->usersWithAddress($local . '@example.com'));
    }

    /**
     * @return iterable<string, array{0: string, 1: string}>
     */
    public static function brokenEngines(): iterable
    {
        yield 'engine missing' => ['missing', '/not found.*Upload/s'];
        yield 'engine not executable' => ['not executable', '/not executable.*chmod/s'];
    }

    /**
     * @dataProvider brokenEngines
     */
    public function testABrokenEngineInstallIsExplainedAndTheRetryAfterTheFixSucceeds(string $breakage, string $fix): void
    {
        $serverId = $this->addServer();
        $local = $this->uniqueLocalPart('engine');
        $serviceId = $this->order($this->addProduct(), $serverId, ['localpart' => $local]);
        $working = Engine::defaultBinary();
        $broken = RunLogs::directory() . '/broken-engine';
        @unlink($broken);
        if ($breakage === 'not executable') {
            copy(RunLogs::realEngine(), $broken);
            chmod($broken, 0644);
        }
        putenv(Engine::BINARY_ENV . '=' . $broken);
        try {
            $error = $this->whmcs->moduleAction($serviceId, 'create');
            $connection = $this->whmcs->testConnection($serverId);
        } finally {
            putenv(Engine::BINARY_ENV . '=' . $working);
        }

        $this->assertClearError($error, $fix);
        $this->assertFalse($connection['success']);
        $this->assertMatchesRegularExpression($fix, $connection['error']);
        $this->assertSame([], $this->usersWithAddress($local . '@example.com'));
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $this->assertCount(1, $this->usersWithAddress($local . '@example.com'));
    }

    /**
     * The action under test for an Active (or, for unsuspend, Suspended) service, and the check of
     * its effect on both sides once it succeeded.
     *
     * @return array{action: callable(): string, check: callable(): void}
     */
    private function accountAction(string $action, int $serviceId, int $serverId): array
    {
        $address = $this->address($serviceId);
        switch ($action) {
            case 'suspend':
            case 'unsuspend':
                $enabled = $action === 'unsuspend';
                return [
                    'action' => fn (): string => $this->whmcs->moduleAction($serviceId, $action),
                    'check' => function () use ($serviceId, $address, $enabled): void {
                        $this->assertSame($enabled, $this->emulator->user($address)['isEnabled']);
                        $this->assertSame($enabled ? 'Active' : 'Suspended', $this->whmcs->service($serviceId)->domainstatus);
                    },
                ];
            case 'changepw':
                $password = 'N3w-Secret-' . bin2hex(random_bytes(4));
                \KerioSingle\SecretScan\SecretLedger::remember($password);
                return [
                    'action' => fn (): string => $this->whmcs->changePassword($serviceId, $password),
                    'check' => function () use ($address, $password): void {
                        $this->assertTrue($this->emulator->webmailLogin($address, $password));
                    },
                ];
            case 'upgrade':
                $bigger = $this->addProduct(['quota_mb' => '2048'], 'Bigger');
                return [
                    'action' => fn (): string => $this->whmcs->changePackage($serviceId, $bigger),
                    'check' => function () use ($serviceId): void {
                        $this->assertSame(2048, $this->kerioQuotaMb($serviceId));
                    },
                ];
            case 'trim aliases':
                // the plan (max_aliases 0) allows none: the admin removes the aliases over it
                $this->emulator->setAliases($address, ['old-' . $address, 'new-' . $address]);
                return [
                    'action' => fn (): string => $this->whmcs->adminCustomButton($serviceId, 'Remove aliases over the plan'),
                    'check' => function () use ($address): void {
                        $this->assertSame([], $this->emulator->user($address)['emailAddresses']);
                    },
                ];
            case 'terminate':
                return [
                    'action' => fn (): string => $this->whmcs->moduleAction($serviceId, 'terminate'),
                    'check' => function () use ($serviceId, $address): void {
                        $this->assertSame([], $this->usersWithAddress($address));
                        $this->assertSame('Terminated', $this->whmcs->service($serviceId)->domainstatus);
                    },
                ];
            case 'usage':
                $this->emulator->setUsage($address, 7 * 1024 * 1024);
                return [
                    'action' => fn (): string => (string) $this->whmcs->runDailyCron()[$serverId],
                    'check' => function () use ($serviceId): void {
                        $this->assertSame(7, (int) $this->whmcs->service($serviceId)->diskusage);
                    },
                ];
        }
        throw new \InvalidArgumentException('Unknown action ' . $action);
    }

    private function inject(string $method, string $kind): void
    {
        $this->emulator->addFault(['method' => $method, 'kind' => $kind, 'times' => 1]
            + ($kind === 'delay' ? ['delay_ms' => self::DELAY_MS] : []));
    }

    /** Clears faults; after a delay, waits until Kerio has finished the request the engine gave up on. */
    private function settle(string $kind): void
    {
        $this->emulator->clearFaults();
        if ($kind === 'delay') {
            usleep((self::DELAY_MS + 500) * 1000);
        }
    }

    /**
     * Kerio has at most $mayExist mailboxes with the address, and any that exists carries this
     * service's id (so the retry adopts it rather than a stranger's).
     */
    private function assertNothingHalfCreated(string $address, int $serviceId, int $mayExist): void
    {
        $users = $this->usersWithAddress($address);
        $this->assertLessThanOrEqual($mayExist, count($users), 'no mailbox was created');
        foreach ($users as $user) {
            $this->assertMatchesRegularExpression('/#' . $serviceId . '\b/', (string) $user['description']);
        }
        $this->assertSame(0, Capsule::table('tblhosting')->where('id', $serviceId)->where('username', '!=', '')->count());
    }

    private function assertClearError(string $error, string $fix): void
    {
        $this->assertNotSame('success', $error);
        $this->assertGreaterThanOrEqual(20, strlen(trim($error)), 'error too short: ' . $error);
        $this->assertMatchesRegularExpression($fix, $error);
        $this->assertStringNotContainsString('Unexpected', $error);
        $this->assertStringNotContainsString(TestEnvironment::ADMIN_PASSWORD, $error);
    }

    /** The Access Hash pinning the shared emulator, with a per-request timeout in seconds. */
    private function accessHash(int $timeoutSeconds): string
    {
        return 'tls_fingerprint = ' . $this->emulator->fingerprint() . "\nwebmail_url = " . $this->emulator->webmailUrl()
            . "\ntimeout = " . $timeoutSeconds;
    }

    /**
     * An emulator of this test alone (stopped at the end of the run), logged for the secret scan.
     *
     * @param list<string> $flags
     */
    private function ownEmulator(string $stateDir, array $flags = []): Emulator
    {
        $emulator = Emulator::start($stateDir, TestEnvironment::ADMIN_PASSWORD, $flags);
        RunLogs::keepLog($emulator->logFile());
        return $emulator;
    }
}
