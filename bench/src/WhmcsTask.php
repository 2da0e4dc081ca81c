<?php

namespace KerioSingle\Bench;

/**
 * Runs bench/whmcs-task.php (one WHMCS server task in a fresh PHP process) and returns what it
 * measured; the child inherits this process's environment (database, engine wrapper).
 */
final class WhmcsTask
{
    /**
     * The daily cron's UsageUpdate.
     *
     * @return array{ok: bool, detail: string, seconds: float, php_peak_mb: float, accounts: int}
     */
    public static function usageUpdate(): array
    {
        return self::run(['usage']);
    }

    /**
     * Server Sync (ListAccounts) of one server.
     *
     * @return array{ok: bool, detail: string, seconds: float, php_peak_mb: float, accounts: int}
     */
    public static function listAccounts(int $serverId): array
    {
        return self::run(['list', (string) $serverId]);
    }

    /**
     * @param list<string> $arguments
     * @return array{ok: bool, detail: string, seconds: float, php_peak_mb: float, accounts: int}
     */
    private static function run(array $arguments): array
    {
        $command = array_merge([PHP_BINARY, dirname(__DIR__) . '/whmcs-task.php'], $arguments);
        $output = Process::run($command, '');
        $figures = json_decode(trim($output), true);
        if (!is_array($figures) || ($figures['ok'] ?? false) !== true) {
            throw new \RuntimeException('bench/whmcs-task.php ' . implode(' ', $arguments) . ' failed: ' . $output);
        }
        return $figures;
    }
}
