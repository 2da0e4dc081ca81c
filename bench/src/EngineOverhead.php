<?php

namespace KerioSingle\Bench;

use KerioSingle\Harness\Emulator;

/**
 * Figure 2: what the engine adds to the Kerio exchanges of an action. The same action (suspend,
 * then unsuspend, alternately, by the stored Kerio user id as the module sends them) is run ROUNDS
 * times through `kerio-single call`, timed from process start to exit as PHP sees it; the exact
 * exchanges of those runs (from their transcripts) are replayed as often by the minimal client
 * crates/kerio-api/examples/raw_exchanges.rs (ureq + rustls only, a fresh connection per replay),
 * each replay a process of its own started the same way. Overhead = median engine run − median
 * replay: what the engine adds beyond starting a program and making the exchanges. What starting
 * any program costs PHP here is reported beside it (process_start_ms: /bin/true through the same
 * proc_open), since it is part of every action but not of the engine.
 */
final class EngineOverhead
{
    private const ROUNDS = 40;

    private string $engine;
    private string $rawClient;
    private Emulator $emulator;

    public function __construct(string $engine, string $rawClient, Emulator $emulator)
    {
        $this->engine = $engine;
        $this->rawClient = $rawClient;
        $this->emulator = $emulator;
    }

    /**
     * Creates a mailbox for the measurement, then times both sides. The share of the action is the
     * overhead over $actionMedianMs, the whole WHMCS action's median (ExchangesPerAction); the share
     * of the engine call is reported beside it.
     *
     * @return array{median: float, share_of_action: float, share_of_engine_call: float, action_median_ms: float, engine_median_ms: float, raw_median_ms: float, exchanges: int, rounds: int}
     */
    public function measure(float $actionMedianMs): array
    {
        $address = 'overhead.' . bin2hex(random_bytes(3)) . '@example.com';
        [$local, $domain] = explode('@', $address);
        $created = $this->callEngine('create_account', ['localpart' => $local, 'domain' => $domain, 'password' => 'Overhead-Pa55-word!',
            'quota_mb' => 100, 'service_id' => 1]);
        $mailbox = ['address' => $address, 'service_id' => 1, 'user_id' => $created['result']['id']];
        $engineTimes = [];
        $transcripts = [];
        for ($round = 0; $round < self::ROUNDS; $round++) {
            $op = $round % 2 === 0 ? 'suspend' : 'unsuspend';
            [$response, $ms] = Stopwatch::time(fn (): array => $this->callEngine($op, $mailbox));
            $engineTimes[] = $ms;
            $transcripts[$op] = $response['transcript'];
        }
        $rawTimes = [];
        for ($round = 0; $round < self::ROUNDS; $round++) {
            $rawTimes[] = $this->replay($transcripts[$round % 2 === 0 ? 'suspend' : 'unsuspend']);
        }
        $startTimes = [];
        for ($round = 0; $round < self::ROUNDS; $round++) {
            $startTimes[] = Stopwatch::time(static fn (): string => Process::run(['/bin/true'], ''))[1];
        }
        $engineMedian = Stopwatch::median($engineTimes);
        $rawMedian = Stopwatch::median($rawTimes);
        $overhead = $engineMedian - $rawMedian;
        return [
            'median' => round($overhead, 2),
            'share_of_action' => round($overhead / $actionMedianMs, 3),
            'share_of_engine_call' => round($overhead / $engineMedian, 3),
            'action_median_ms' => round($actionMedianMs, 2),
            'engine_median_ms' => round($engineMedian, 2),
            'raw_median_ms' => round($rawMedian, 2),
            'process_start_ms' => round(Stopwatch::median($startTimes), 2),
            'exchanges' => count($transcripts['suspend']),
            'rounds' => self::ROUNDS,
        ];
    }

    /**
     * One `kerio-single call` (the request the module would send).
     *
     * @param array<string, mixed> $args
     * @return array<string, mixed> the bridge response
     */
    private function callEngine(string $op, array $args): array
    {
        $request = [
            'v' => 1, 'op' => $op, 'args' => $args,
            'server' => ['host' => '127.0.0.1', 'port' => $this->emulator->adminPort(), 'secure' => true,
                'username' => Emulator::ADMIN_USER, 'password' => BenchEnvironment::ADMIN_PASSWORD,
                'tls_fingerprint' => $this->emulator->fingerprint(), 'timeout_s' => 30],
        ];
        $response = json_decode(Process::run([$this->engine, 'call'], (string) json_encode($request)), true);
        if (!is_array($response) || ($response['ok'] ?? false) !== true) {
            throw new \RuntimeException('kerio-single call ' . $op . ' failed: ' . json_encode($response));
        }
        return $response;
    }

    /**
     * Replays the transcript's calls once with the minimal client, started as a process of its
     * own; returns the wall time (ms) from its start to its exit as PHP sees it.
     *
     * @param list<array<string, mixed>> $transcript
     */
    private function replay(array $transcript): float
    {
        $calls = array_map(static fn (array $exchange): array => [
            'method' => $exchange['method'], 'params' => ($exchange['request']['params'] ?? []) === [] ? null : $exchange['request']['params'],
        ], $transcript);
        $request = (string) json_encode([
            'url' => $this->emulator->adminUrl(), 'ca_file' => $this->emulator->certFile(),
            'user' => Emulator::ADMIN_USER, 'password' => BenchEnvironment::ADMIN_PASSWORD,
            'repeat' => 1, 'calls' => $calls,
        ]);
        [$output, $ms] = Stopwatch::time(fn (): string => Process::run([$this->rawClient], $request));
        if (!is_array(json_decode($output, true)['ms'] ?? null)) {
            throw new \RuntimeException('raw_exchanges failed: ' . $output);
        }
        return $ms;
    }
}
