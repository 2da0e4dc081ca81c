<?php

namespace KerioSingle\Reliability;

use KerioSingle\Reliability\Support\ReliabilityTestCase;
use KerioSingle\SecretScan\SecretLedger;
use WHMCS\Database\Capsule;

/**
 * Twenty module actions at once, each in its own PHP process (bin/module-action.php), against one
 * emulator and one MariaDB database, as the WHMCS cron and several admins can cause: new mailboxes,
 * two pairs of orders racing for the same address, suspend, unsuspend, password, upgrade,
 * terminate and the usage cron. Afterwards WHMCS and Kerio must agree on every service.
 */
final class ConcurrencyTest extends ReliabilityTestCase
{
    private const NEW_MAILBOXES = 9;

    public function testTwentyParallelModuleActionsLeaveWhmcsAndKerioConsistent(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct(['quota_mb' => '1024']);
        $bigger = $this->addProduct(['quota_mb' => '2048'], 'Bigger');
        $prefix = 'conc' . bin2hex(random_bytes(3));
        $existing = $this->activeServices($productId, $serverId, $prefix, 6);
        $this->assertSame('success', $this->whmcs->moduleAction($existing[2], 'suspend'));
        $newServices = [];
        for ($i = 0; $i < self::NEW_MAILBOXES; $i++) {
            $newServices[] = $this->order($productId, $serverId, ['localpart' => "{$prefix}.new{$i}"]);
        }
        $pairs = [];
        foreach (['a', 'b'] as $pair) {
            $pairs[$pair] = [
                $this->order($productId, $serverId, ['localpart' => "{$prefix}.race{$pair}"]),
                $this->order($productId, $serverId, ['localpart' => "{$prefix}.race{$pair}"]),
            ];
        }
        $newPassword = 'Par4llel-Pass-' . bin2hex(random_bytes(3));
        SecretLedger::remember($newPassword);
        $jobs = [];
        foreach (array_merge($newServices, $pairs['a'], $pairs['b']) as $serviceId) {
            $jobs[] = [$serviceId, 'create'];
        }
        array_push(
            $jobs,
            [$existing[0], 'suspend'],
            [$existing[1], 'suspend'],
            [$existing[2], 'unsuspend'],
            [$existing[3], 'changepw', $newPassword],
            [$existing[4], 'upgrade', (string) $bigger],
            [$existing[5], 'terminate'],
            [0, 'cron']
        );
        $this->assertCount(20, $jobs);

        $results = $this->runInParallel($jobs);

        foreach ($newServices as $serviceId) {
            $this->assertSame('success', $results[$serviceId . ':create'], 'create of service ' . $serviceId);
            $this->assertSame('Active', $this->whmcs->service($serviceId)->domainstatus);
        }
        foreach ($pairs as $pair => [$first, $second]) {
            $this->assertOneWinner($pair, $first, $second, $results);
        }
        $this->assertSame('success', $results[$existing[0] . ':suspend']);
        $this->assertSame('success', $results[$existing[1] . ':suspend']);
        $this->assertSame('success', $results[$existing[2] . ':unsuspend']);
        $this->assertSame('success', $results[$existing[3] . ':changepw']);
        $this->assertTrue($this->emulator->webmailLogin($this->address($existing[3]), $newPassword));
        $this->assertSame('success', $results[$existing[4] . ':upgrade']);
        $this->assertSame(2048, $this->kerioQuotaMb($existing[4]));
        $this->assertSame('2048', $this->whmcs->customFieldValue($existing[4], 'quota'));
        $this->assertSame('success', $results[$existing[5] . ':terminate']);
        $this->assertSame('success', $results['0:cron']);
        $this->assertWhmcsAndKerioAgree($prefix);
    }

    /**
     * @return list<int> service ids of Active mailboxes named PREFIX.oldN
     */
    private function activeServices(int $productId, int $serverId, string $prefix, int $count): array
    {
        $services = [];
        for ($i = 0; $i < $count; $i++) {
            $serviceId = $this->order($productId, $serverId, ['localpart' => "{$prefix}.old{$i}"]);
            $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
            $services[] = $serviceId;
        }
        return $services;
    }

    public function testTwoCustomersAddingTheSameAliasAtOnceExactlyOneGetsIt(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct(['quota_mb' => '1024', 'max_aliases' => '2']);
        $prefix = 'alias' . bin2hex(random_bytes(3));
        [$first, $second] = $this->activeServices($productId, $serverId, $prefix, 2);
        $alias = $prefix . '.shared';
        // Widen the race: each duplicate check's answer (computed at once, "free") is held for
        // 2 s, so two unserialised adds both act on it before either writes the alias.
        $this->emulator->addFault(['method' => 'Server.findEntityByEmail', 'kind' => 'delay_after', 'times' => 2, 'delay_ms' => 2000]);

        $results = $this->runInParallel([[$first, 'addalias', $alias], [$second, 'addalias', $alias]]);

        $outcomes = [$first => $results[$first . ':addalias'], $second => $results[$second . ':addalias']];
        $winners = array_keys(array_filter($outcomes, static fn (string $r): bool => $r === 'success'));
        $this->assertCount(1, $winners, 'exactly one add succeeds: ' . json_encode($outcomes));
        $loser = $winners[0] === $first ? $second : $first;
        $this->assertStringContainsString('is not available', $outcomes[$loser]);
        $this->assertCount(1, $this->holdersOf($alias), 'one holder of the alias on Kerio');
    }

    public function testTenParallelAliasAddsOnOneMailboxKeepAllTen(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct(['quota_mb' => '1024', 'max_aliases' => '10']);
        $prefix = 'many' . bin2hex(random_bytes(3));
        [$serviceId] = $this->activeServices($productId, $serverId, $prefix, 1);
        $wanted = [];
        for ($i = 0; $i < 10; $i++) {
            $wanted[] = "{$prefix}.a{$i}@example.com";
        }
        // Each add reads the mailbox's aliases (Batch.run, by its stored id) and writes the list
        // back; every read's answer is held for 1 s, so unserialised adds all read the old list.
        $this->emulator->addFault(['method' => 'Batch.run', 'kind' => 'delay_after', 'times' => 10, 'delay_ms' => 1000]);

        $results = $this->runInParallel(array_map(
            static fn (string $alias): array => [$serviceId, 'addalias', $alias],
            $wanted
        ));

        $this->assertCount(10, $results);
        $this->assertSame(['success'], array_values(array_unique($results)), json_encode($results));
        $kept = array_map('strtolower', (array) $this->emulator->user($this->address($serviceId))['emailAddresses']);
        sort($kept);
        $this->assertSame($wanted, $kept, 'all 10 aliases kept (none lost by a concurrent write)');
    }

    public function testACreateAndAnAliasAddOfTheSameAddressAtOnceExactlyOneWins(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct(['quota_mb' => '1024', 'max_aliases' => '2']);
        $prefix = 'cva' . bin2hex(random_bytes(3));
        [$holder] = $this->activeServices($productId, $serverId, $prefix, 1);
        $contested = "{$prefix}.wanted";
        $order = $this->order($productId, $serverId, ['localpart' => $contested]);
        // Both duplicate checks answer "free" and that answer is held for 2 s: without one lock per
        // address, the create and the alias add both go ahead.
        $this->emulator->addFault(['method' => 'Server.findEntityByEmail', 'kind' => 'delay_after', 'times' => 2, 'delay_ms' => 2000]);

        $results = $this->runInParallel([[$order, 'create'], [$holder, 'addalias', $contested]]);

        $outcomes = ['create' => $results[$order . ':create'], 'alias' => $results[$holder . ':addalias']];
        $winners = array_keys(array_filter($outcomes, static fn (string $r): bool => $r === 'success'));
        $this->assertCount(1, $winners, 'exactly one wins: ' . json_encode($outcomes));
        $loser = $winners[0] === 'create' ? 'alias' : 'create';
        $this->assertStringContainsString('is not available', $outcomes[$loser]);
        $this->assertCount(1, $this->holdersOf($contested), 'one holder on Kerio (by login or alias)');
        $this->assertSame($winners[0] === 'create' ? 'Active' : 'Pending', $this->whmcs->service($order)->domainstatus);
    }

    /**
     * The Kerio users holding local@example.com, as their login or as an alias.
     *
     * @return list<array<string, mixed>>
     */
    private function holdersOf(string $local): array
    {
        $address = strtolower($local . '@example.com');
        return array_values(array_filter((array) $this->emulator->state()['users'], static fn (array $user): bool => strtolower((string) ($user['email'] ?? '')) === $address
            || array_intersect(array_map('strtolower', (array) ($user['emailAddresses'] ?? [])), [strtolower($local), $address]) !== []));
    }

    /**
     * Starts every job at once and waits for all of them.
     *
     * @param list<array{0: int, 1: string, 2?: string}> $jobs
     * @return array<string, string> "serviceId:action" => the module's result
     */
    private function runInParallel(array $jobs): array
    {
        $script = __DIR__ . '/bin/module-action.php';
        $running = [];
        foreach ($jobs as $job) {
            $pipes = [];
            $command = [PHP_BINARY, $script, (string) $job[0], $job[1]];
            if (isset($job[2])) {
                $command[] = $job[2];
            }
            $process = proc_open($command, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
            $this->assertIsResource($process);
            $running[] = [$job, $process, $pipes];
        }
        $results = [];
        foreach ($running as [$job, $process, $pipes]) {
            $stdout = (string) stream_get_contents($pipes[1]);
            $stderr = (string) stream_get_contents($pipes[2]);
            fclose($pipes[1]);
            fclose($pipes[2]);
            $exitCode = proc_close($process);
            $this->assertSame(0, $exitCode, "{$job[1]} of {$job[0]} exited {$exitCode}: {$stderr}");
            $answer = json_decode($stdout, true);
            $this->assertIsArray($answer, "{$job[1]} of {$job[0]} printed: {$stdout}{$stderr}");
            $key = $job[0] . ':' . $job[1];
            $results[isset($results[$key]) ? $key . ':' . ($job[2] ?? count($results)) : $key] = (string) $answer['result'];
        }
        return $results;
    }

    /**
     * Two orders for one address: exactly one mailbox, owned by the order that succeeded; the other
     * order is refused as taken and waits in the module queue, with nothing recorded.
     *
     * @param array<string, string> $results
     */
    private function assertOneWinner(string $pair, int $first, int $second, array $results): void
    {
        $outcomes = [$first => $results[$first . ':create'], $second => $results[$second . ':create']];
        $winners = array_keys(array_filter($outcomes, static fn (string $r): bool => $r === 'success'));
        $this->assertCount(1, $winners, "pair {$pair}: exactly one create succeeds: " . json_encode($outcomes));
        $winner = $winners[0];
        $loser = $winner === $first ? $second : $first;
        $this->assertMatchesRegularExpression('/already|taken|belongs/i', $outcomes[$loser]);
        $this->assertSame('Pending', $this->whmcs->service($loser)->domainstatus);
        $this->assertSame('', (string) $this->whmcs->service($loser)->username);
        $this->assertSame(1, $this->openQueueRows($loser));
        $users = $this->usersWithAddress($this->address($winner));
        $this->assertCount(1, $users);
        $this->assertMatchesRegularExpression('/#' . $winner . '\b/', (string) $users[0]['description']);
    }

    /**
     * Every Active/Suspended service has exactly one Kerio mailbox, enabled as its status says, with
     * its service id; no mailbox of this test exists without such a service.
     */
    private function assertWhmcsAndKerioAgree(string $prefix): void
    {
        $mailboxes = array_values(array_filter(
            (array) $this->emulator->state()['users'],
            static fn (array $user): bool => strpos((string) $user['loginName'], $prefix . '.') === 0
        ));
        $live = Capsule::table('tblhosting')->whereIn('domainstatus', ['Active', 'Suspended'])->get();
        $this->assertCount(count($live), $mailboxes, 'one mailbox per live service, no orphans');
        foreach ($live as $service) {
            $users = $this->usersWithAddress((string) $service->username);
            $this->assertCount(1, $users, 'service ' . $service->id);
            $this->assertSame($service->domainstatus === 'Active', $users[0]['isEnabled'], 'service ' . $service->id);
            $this->assertMatchesRegularExpression('/#' . $service->id . '\b/', (string) $users[0]['description']);
        }
        $this->assertSame(0, Capsule::table('tblhosting')->whereIn('domainstatus', ['Pending', 'Terminated'])
            ->where('username', 'like', $prefix . '.%')->whereIn('username', array_map(
                static fn (array $user): string => (string) $user['email'],
                $mailboxes
            ))->count(), 'no pending or terminated service points at a mailbox');
    }
}
