<?php

namespace KerioSingle\Bench;

/**
 * The figures at one network distance: the emulators run with `--latency-ms RTT`, so every
 * connection pays one RTT for the TCP connect, one for the TLS handshake and one per exchange.
 * Measures each WHMCS action (exchanges and wall time against the floor (exchanges + 2) × RTT),
 * the engine overhead, and UsageUpdate of 10,000 mailboxes against the per-mailbox polling
 * baseline (on BASELINE_SAMPLE services, scaled linearly, from RTT_SAMPLED_BASELINE ms up).
 */
final class Distance
{
    /** UsageUpdate's size at every distance. */
    public const USAGE_MAILBOXES = 10000;
    /** From this RTT up the baseline polls BASELINE_SAMPLE services and is scaled linearly. */
    private const RTT_SAMPLED_BASELINE = 20;
    private const BASELINE_SAMPLE = 1000;

    private BenchEnvironment $environment;
    private string $rawClient;

    public function __construct(BenchEnvironment $environment, string $rawClient)
    {
        $this->environment = $environment;
        $this->rawClient = $rawClient;
    }

    /**
     * Measures everything at $rttMs; `usage` must be a state directory seeded with at least
     * USAGE_MAILBOXES mailboxes (UsageAtScale::seed).
     *
     * @return array{rtt_ms: int, actions: array<string, array{exchanges: int, floor: int, methods: array<string, int>, ms: float, floor_ms: float}>, overhead: array<string, float|int>, usage: array<string, mixed>, baseline: array{seconds: float, exchanges: int, services: int, scaled_from: ?int}}
     */
    public function measure(int $rttMs, string $usageState): array
    {
        $emulator = $this->environment->emulator('actions-' . $rttMs, $rttMs);
        $exchanges = new ExchangesPerAction($this->environment->freshWhmcs(), $emulator);
        $actions = $exchanges->measure();
        foreach ($actions as &$action) {
            $action['floor_ms'] = (float) (($action['exchanges'] + 2) * $rttMs);
        }
        unset($action);
        $overhead = (new EngineOverhead($this->environment->engine(), $this->rawClient, $emulator))->measure($exchanges->actionMedianMs());
        $emulator->stop();

        $emulator = $this->environment->emulator($usageState, $rttMs);
        $usage = (new UsageAtScale($this->environment, $emulator))->measure(self::USAGE_MAILBOXES);
        $sample = $rttMs >= self::RTT_SAMPLED_BASELINE ? self::BASELINE_SAMPLE : null;
        $polled = (new PollingBaseline($emulator))->measure($usage['server_id'], $sample);
        $emulator->stop();
        $scale = $sample === null ? 1.0 : self::USAGE_MAILBOXES / $polled['services'];
        $baseline = ['seconds' => round($polled['seconds'] * $scale, 3), 'exchanges' => (int) round($polled['exchanges'] * $scale),
            'services' => $polled['services'], 'scaled_from' => $sample];
        return ['rtt_ms' => $rttMs, 'actions' => $actions, 'overhead' => $overhead, 'usage' => $usage, 'baseline' => $baseline];
    }

    /**
     * The `distance` entry of results.json for one measure() result (keys fixed by issue 13).
     *
     * @param array<string, mixed> $figures
     * @return array<string, mixed>
     */
    public static function resultsEntry(array $figures): array
    {
        return [
            'rtt_ms' => $figures['rtt_ms'],
            'actions' => array_map(static fn (array $a): array => ['exchanges' => $a['exchanges'], 'ms' => $a['ms'], 'floor_ms' => $a['floor_ms']],
                $figures['actions']),
            'usage_update' => [
                'mailboxes' => $figures['usage']['mailboxes'],
                'seconds' => $figures['usage']['seconds'],
                'baseline_seconds' => $figures['baseline']['seconds'],
                'baseline_scaled_from' => $figures['baseline']['scaled_from'],
                'speedup' => self::speedup($figures),
            ],
            'engine_overhead_ms' => $figures['overhead']['median'],
        ];
    }

    /**
     * UsageUpdate's speed-up over the polling baseline.
     *
     * @param array<string, mixed> $figures
     */
    public static function speedup(array $figures): float
    {
        return round($figures['baseline']['seconds'] / max($figures['usage']['seconds'], 0.001), 1);
    }
}
