<?php
/**
 * `make bench`: the figures of issues #6 and #13, measured in one run on this machine against the
 * Kerio emulator at three network distances (RTT 0, 2 and 20 ms, `serve --latency-ms`) and at
 * 100,000 mailboxes, printed with their targets and written to bench/results.json
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
use KerioSingle\Bench\Distance;
use KerioSingle\Bench\Report;
use KerioSingle\Bench\UsageAtScale;
use KerioSingle\Harness\Emulator;

const RAW_CLIENT = ROOTDIR . '/target/release/examples/raw_exchanges';
const RTTS_MS = [0, 2, 20];
const SCALE_DOMAINS = 1000;
const GROWTH = [100, 1000, 10000, 100000];
/** Actions that change nothing in Kerio (their floor is one read). */
const READ_ONLY_ACTIONS = ['usage', 'sso', 'test connection'];

if (!is_executable(RAW_CLIENT)) {
    fwrite(STDERR, "Missing " . RAW_CLIENT . ": run `cargo build --release -p kerio-api --example raw_exchanges` (make bench does).\n");
    exit(1);
}
$environment = new BenchEnvironment();
$report = new Report();

fwrite(STDERR, "seeding " . SCALE_DOMAINS * UsageAtScale::USERS_PER_DOMAIN . " mailboxes in " . SCALE_DOMAINS . " domains\n");
UsageAtScale::seed(Emulator::binary(), $environment->path('scale'), SCALE_DOMAINS);

$distances = [];
foreach (RTTS_MS as $rtt) {
    fwrite(STDERR, "RTT {$rtt} ms: actions, engine overhead, UsageUpdate 10,000 and the polling baseline\n");
    $distances[$rtt] = (new Distance($environment, RAW_CLIENT))->measure($rtt, 'scale');
}
$near = $distances[0];
echo "\n" . Report::distanceTable($distances);
foreach ($near['actions'] as $action => $figure) {
    $limit = $action === 'create' ? 5 : (in_array($action, READ_ONLY_ACTIONS, true) ? $figure['floor'] + 1 : 4);
    $report->add('exchanges: ' . $action, $figure['exchanges'] . ' (floor ' . $figure['floor'] . ')', '<= ' . $limit, $figure['exchanges'] <= $limit);
}
foreach ($distances as $rtt => $figures) {
    if ($rtt === 0) {
        continue;
    }
    foreach ($figures['actions'] as $action => $figure) {
        $report->add("RTT {$rtt}: {$action} wall time", sprintf('%.1f ms (floor %.0f)', $figure['ms'], $figure['floor_ms']),
            sprintf('<= %.0f ms', $figure['floor_ms'] + 10), $figure['ms'] <= $figure['floor_ms'] + 10);
    }
}
foreach ($distances as $rtt => $figures) {
    $overhead = $figures['overhead'];
    $report->add("RTT {$rtt}: engine overhead, median (suspend/unsuspend)", sprintf('%.2f ms', $overhead['median']), '<= 5 ms', $overhead['median'] <= 5);
    $report->add("RTT {$rtt}: engine overhead, share of the action", sprintf('%.1f %% of %.1f ms', 100 * $overhead['share_of_action'], $overhead['action_median_ms']),
        '<= 10 %', $overhead['share_of_action'] <= 0.10);
}
foreach ($distances as $rtt => $figures) {
    $speedup = Distance::speedup($figures);
    $baseline = $figures['baseline'];
    $scaled = $baseline['scaled_from'] === null ? '' : ', scaled from ' . $baseline['scaled_from'];
    $report->add("RTT {$rtt}: usage update 10,000 vs polling", sprintf('%.0fx (%.2f s vs %.1f s%s)', $speedup, $figures['usage']['seconds'], $baseline['seconds'], $scaled),
        $rtt === 0 ? '>= 50x' : '>= 200x', $speedup >= ($rtt === 0 ? 50 : 200));
}
$full = $near['usage'];
$report->add('usage update 10,000: exchanges (100 domains)', (string) $full['exchanges'], '<= 110', $full['exchanges'] <= 110);
$report->add('usage update 10,000: time incl. database writes', sprintf('%.2f s', $full['seconds']), '<= 5 s', $full['seconds'] <= 5);
$report->add('usage update 10,000: engine peak memory', sprintf('%.1f MB', $full['peak_rss_mb']), '<= 50 MB', $full['peak_rss_mb'] <= 50);
$report->add('usage update 10,000: services written', (string) $full['services_updated'], '= ' . $full['mailboxes'], $full['services_updated'] === $full['mailboxes']);

fwrite(STDERR, "scale: UsageUpdate over " . implode(', ', GROWTH) . " services and ListAccounts, on loopback\n");
$scaleEmulator = $environment->emulator('scale');
$scale = new UsageAtScale($environment, $scaleEmulator);
$growth = [];
foreach (GROWTH as $mailboxes) {
    fwrite(STDERR, "    UsageUpdate over {$mailboxes} services\n");
    $growth[] = $scale->measure($mailboxes, $mailboxes === max(GROWTH));
}
$largest = end($growth);
fwrite(STDERR, "    ListAccounts\n");
$listing = $scale->measureListing();
$scaleEmulator->stop();
$report->add('100k: usage update time', sprintf('%.2f s', $largest['seconds']), '<= 2 s', $largest['seconds'] <= 2);
$report->add('100k: usage update exchanges (1,000 domains)', (string) $largest['exchanges'], '<= 1010', $largest['exchanges'] <= 1010);
$report->add('100k: usage update engine peak memory', sprintf('%.1f MB', $largest['peak_rss_mb']), '<= 50 MB', $largest['peak_rss_mb'] <= 50);
$report->add('100k: usage update PHP peak (cron process)', sprintf('%.1f MB', $largest['php_peak_mb']), '<= 64 MB', $largest['php_peak_mb'] <= 64);
$report->add('100k: usage update bridge answer', sprintf('%.2f MB', $largest['answer_bytes'] / 1048576), 'none', null);
$report->add('100k: usage update services written', (string) $largest['services_updated'], '= ' . $largest['mailboxes'], $largest['services_updated'] === $largest['mailboxes']);
$report->add('100k: ListAccounts time', sprintf('%.2f s (%d accounts, %d exch.)', $listing['seconds'], $listing['accounts'], $listing['exchanges']), '<= 3 s', $listing['seconds'] <= 3);
$report->add('100k: ListAccounts PHP peak', sprintf('%.1f MB', $listing['php_peak_mb']), '<= 96 MB', $listing['php_peak_mb'] <= 96);
$report->add('100k: ListAccounts engine peak memory', sprintf('%.1f MB', $listing['peak_rss_mb']), 'none', null);
$perMailbox = array_map(static fn (array $g): float => $g['seconds'] / $g['mailboxes'], $growth);
$linear = $perMailbox[2] <= 1.5 * $perMailbox[1] && $perMailbox[3] <= 1.5 * $perMailbox[2];
$report->add('growth: s at 100 / 1k / 10k / 100k', implode(' / ', array_map(static fn (array $g): string => sprintf('%.2f', $g['seconds']), $growth)),
    'linear', $linear);

echo "\nkerioSingle bench (" . php_uname('n') . ', ' . date('Y-m-d H:i') . ")\n\n" . Report::distanceTable($distances)
    . "\n" . Report::growthTable($growth) . "\n" . $report->table();
$overhead = $near['overhead'];
Report::writeJson(__DIR__ . '/results.json', [
    'exchanges_per_action' => array_map(static fn (array $f): int => $f['exchanges'], $near['actions']),
    'exchange_floors' => array_map(static fn (array $f): int => $f['floor'], $near['actions']),
    'exchange_methods' => array_map(static fn (array $f): array => $f['methods'], $near['actions']),
    'engine_overhead_ms' => $overhead,
    'usage_update' => [
        'mailboxes' => $full['mailboxes'], 'domains' => $full['domains'], 'exchanges' => $full['exchanges'],
        'seconds' => $full['seconds'], 'baseline_seconds' => $near['baseline']['seconds'], 'baseline_exchanges' => $near['baseline']['exchanges'],
        'speedup' => Distance::speedup($near), 'peak_rss_mb' => $full['peak_rss_mb'],
    ],
    'growth' => array_map(static fn (array $g): array => ['mailboxes' => $g['mailboxes'], 'seconds' => $g['seconds'],
        'exchanges' => $g['exchanges'], 'peak_rss_mb' => $g['peak_rss_mb']], $growth),
    'distance' => array_values(array_map([Distance::class, 'resultsEntry'], $distances)),
    'scale_100k' => [
        'mailboxes' => $largest['mailboxes'], 'domains' => $largest['domains'], 'usage_seconds' => $largest['seconds'],
        'usage_exchanges' => $largest['exchanges'], 'engine_peak_rss_mb' => $largest['peak_rss_mb'], 'php_peak_mb' => $largest['php_peak_mb'],
        'answer_bytes' => $largest['answer_bytes'], 'list_seconds' => $listing['seconds'], 'list_php_peak_mb' => $listing['php_peak_mb'],
    ],
    'machine' => ['host' => php_uname('n'), 'cpus' => (int) trim((string) shell_exec('nproc')), 'php' => PHP_VERSION, 'date' => date(DATE_ATOM)],
]);
$environment->remove();
echo "\n" . ($report->missed() === 0 ? 'Every target met.' : $report->missed() . ' target(s) missed.') . " Written: bench/results.json\n";
