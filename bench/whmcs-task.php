<?php
/**
 * One WHMCS server task in a PHP process of its own, as the cron (or the Server Sync page) runs it,
 * so that `memory_get_peak_usage(true)` is the memory of that task and nothing else the bench did.
 *
 * Usage (by bench/src/WhmcsTask.php, with the parent's KS_DB_* and KERIO_SINGLE_BIN environment):
 *   php bench/whmcs-task.php usage          the daily cron's UsageUpdate (every enabled server)
 *   php bench/whmcs-task.php list SERVER_ID  ListAccounts of one server
 * Prints one JSON line: {"ok": bool, "detail": string, "seconds": float, "php_peak_mb": float,
 * "accounts": int}; seconds times the module call only (not PHP's start or the harness boot).
 */

require_once dirname(__DIR__) . '/harness/bootstrap.php';

use KerioSingle\Harness\Cron;
use KerioSingle\Harness\Database;
use KerioSingle\Harness\Whmcs;

/**
 * Runs the task named on the command line; returns [ok, detail, accounts listed].
 *
 * @param list<string> $arguments
 * @return array{0: bool, 1: string, 2: int}
 */
function benchTask(Whmcs $whmcs, array $arguments): array
{
    if (($arguments[1] ?? '') === 'usage') {
        $results = Cron::updateServerUsage();
        $failed = array_filter($results, static fn ($result): bool => $result !== 'success');
        return [$failed === [], (string) json_encode($results), 0];
    }
    if (($arguments[1] ?? '') === 'list' && ctype_digit($arguments[2] ?? '')) {
        $answer = $whmcs->listAccounts((int) $arguments[2]);
        $ok = is_array($answer) && ($answer['success'] ?? false) === true;
        return [$ok, $ok ? 'success' : (string) json_encode($answer), $ok ? count($answer['accounts']) : 0];
    }
    throw new InvalidArgumentException('Usage: php bench/whmcs-task.php usage | list SERVER_ID');
}

Database::attach(Database::configFromEnvironment())->getConnection()->getPdo();
$whmcs = new Whmcs();
$started = hrtime(true);
[$ok, $detail, $accounts] = benchTask($whmcs, $argv);
echo json_encode([
    'ok' => $ok,
    'detail' => $detail,
    'seconds' => round((hrtime(true) - $started) / 1e9, 3),
    'php_peak_mb' => round(memory_get_peak_usage(true) / 1048576, 1),
    'accounts' => $accounts,
]), "\n";
