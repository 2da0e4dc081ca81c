<?php
/**
 * `make bench`: the four figures of issue #6, measured in one run on this machine against the Kerio
 * emulator on loopback, printed with their targets and written to bench/results.json
 * (see bench/README.md for what each figure means and how it is measured).
 */

// A MariaDB instance of the bench alone (another run stopping the shared one cannot cut it off).
if ((string) getenv('KS_DB_STATE') === '') {
    putenv('KS_DB_STATE=' . dirname(__DIR__) . '/.state/mariadb-bench');
    putenv('KS_DB_PORT=' . (33307 + (int) getenv('KS_DB_PORT_OFFSET')));
}
require_once dirname(__DIR__) . '/tests/php/bootstrap.php';

spl_autoload_register(static function (string $class): void {
    $prefix = 'KerioSingle\\Bench\\';
    if (strncmp($class, $prefix, strlen($prefix)) === 0) {
        require_once __DIR__ . '/src/' . substr($class, strlen($prefix)) . '.php';
    }
});

use KerioSingle\Bench\BenchEnvironment;
use KerioSingle\Bench\EngineOverhead;
use KerioSingle\Bench\ExchangesPerAction;
use KerioSingle\Bench\PollingBaseline;
use KerioSingle\Bench\Report;
use KerioSingle\Bench\UsageAtScale;
use KerioSingle\Harness\Emulator;

const RAW_CLIENT = ROOTDIR . '/target/release/examples/raw_exchanges';
const SCALE_DOMAINS = 100;
const GROWTH = [100, 1000, 10000];

if (!is_executable(RAW_CLIENT)) {
    fwrite(STDERR, "Missing " . RAW_CLIENT . ": run `cargo build --release -p kerio-api --example raw_exchanges` (make bench does).\n");
    exit(1);
}
$environment = new BenchEnvironment();
$report = new Report();

fwrite(STDERR, "1/4 exchanges per action\n");
$actionsEmulator = $environment->emulator('actions');
$actions = new ExchangesPerAction($environment->freshWhmcs(), $actionsEmulator);
$exchanges = $actions->measure();
foreach ($exchanges as $action => $figure) {
    $report->add('exchanges: ' . $action, $figure['exchanges'] . ' (floor ' . $figure['floor'] . ')',
        '<= ' . ($figure['floor'] + 1), $figure['exchanges'] <= $figure['floor'] + 1);
}

fwrite(STDERR, "2/4 engine overhead\n");
$overhead = (new EngineOverhead($environment->engine(), RAW_CLIENT, $actionsEmulator))->measure($actions->actionMedianMs());
$report->add('engine overhead, median (suspend/unsuspend)', sprintf('%.2f ms', $overhead['median']), '<= 5 ms', $overhead['median'] <= 5);
$report->add('engine overhead, share of the WHMCS action', sprintf('%.1f %% of %.1f ms', 100 * $overhead['share_of_action'], $overhead['action_median_ms']),
    '<= 10 %', $overhead['share_of_action'] <= 0.10);
$report->add('engine overhead, share of the engine call alone', sprintf('%.1f %% of %.1f ms', 100 * $overhead['share_of_engine_call'], $overhead['engine_median_ms']),
    'none', null);

fwrite(STDERR, "3/4 seeding " . SCALE_DOMAINS * UsageAtScale::USERS_PER_DOMAIN . " mailboxes\n");
UsageAtScale::seed(Emulator::binary(), $environment->path('scale'), SCALE_DOMAINS);
$scaleEmulator = $environment->emulator('scale');
$scale = new UsageAtScale($environment, $scaleEmulator);
$growth = [];
foreach (GROWTH as $mailboxes) {
    fwrite(STDERR, "    UsageUpdate over {$mailboxes} services\n");
    $growth[] = $scale->measure($mailboxes);
}
$full = end($growth);
fwrite(STDERR, "    polling baseline over {$full['mailboxes']} services\n");
$baseline = (new PollingBaseline($scaleEmulator))->measure($full['server_id']);
$speedup = $baseline['seconds'] / max($full['seconds'], 0.001);
$report->add('usage update: exchanges (10,000 in 100 domains)', (string) $full['exchanges'], '<= 110', $full['exchanges'] <= 110);
$report->add('usage update: time incl. database writes', sprintf('%.2f s', $full['seconds']), '<= 5 s', $full['seconds'] <= 5);
$report->add('usage update: speed-up vs per-mailbox polling', sprintf('%.0fx (%.1f s, %d exch.)', $speedup, $baseline['seconds'], $baseline['exchanges']),
    '>= 50x', $speedup >= 50);
$report->add('usage update: engine peak memory', sprintf('%.1f MB', $full['peak_rss_mb']), '<= 50 MB', $full['peak_rss_mb'] <= 50);
$report->add('usage update: services written', (string) $full['services_updated'], '= ' . $full['mailboxes'], $full['services_updated'] === $full['mailboxes']);

fwrite(STDERR, "4/4 growth\n");
$perMailbox = array_map(static fn (array $g): float => $g['seconds'] / $g['mailboxes'], $growth);
$linear = $perMailbox[2] <= 1.5 * $perMailbox[1];
$report->add('growth: seconds at 100 / 1,000 / 10,000', implode(' / ', array_map(static fn (array $g): string => sprintf('%.2f', $g['seconds']), $growth)),
    'linear', $linear);

echo "\nkerioSingle bench (" . php_uname('n') . ', ' . date('Y-m-d H:i') . ")\n\n" . $report->table();
Report::writeJson(__DIR__ . '/results.json', [
    'exchanges_per_action' => array_map(static fn (array $f): int => $f['exchanges'], $exchanges),
    'exchange_floors' => array_map(static fn (array $f): int => $f['floor'], $exchanges),
    'exchange_methods' => array_map(static fn (array $f): array => $f['methods'], $exchanges),
    'engine_overhead_ms' => $overhead,
    'usage_update' => [
        'mailboxes' => $full['mailboxes'], 'domains' => $full['domains'], 'exchanges' => $full['exchanges'],
        'seconds' => $full['seconds'], 'baseline_seconds' => $baseline['seconds'], 'baseline_exchanges' => $baseline['exchanges'],
        'speedup' => round($speedup, 1), 'peak_rss_mb' => $full['peak_rss_mb'],
    ],
    'growth' => array_map(static fn (array $g): array => ['mailboxes' => $g['mailboxes'], 'seconds' => $g['seconds'],
        'exchanges' => $g['exchanges'], 'peak_rss_mb' => $g['peak_rss_mb']], $growth),
    'machine' => ['host' => php_uname('n'), 'cpus' => (int) trim((string) shell_exec('nproc')), 'php' => PHP_VERSION, 'date' => date(DATE_ATOM)],
]);
echo "\n" . ($report->missed() === 0 ? 'Every target met.' : $report->missed() . ' target(s) missed.') . " Written: bench/results.json\n";
