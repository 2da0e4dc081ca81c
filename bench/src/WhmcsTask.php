<?php

namespace KerioSingle\Bench;

use WHMCS\Module\Server\kerioSingle\Engine;

/**
 * Runs bench/whmcs-task.php (one WHMCS server task in a fresh PHP process) and returns what it
 * measured; the child inherits this process's environment (database) and runs the engine given
 * (BenchEnvironment::engineUnderTime's wrapper), which nothing else in the bench uses.
 */
final class WhmcsTask
{
    /**
     * The daily cron's UsageUpdate.
     *
     * @return array{ok: bool, detail: string, seconds: float, php_peak_mb: float, accounts: int}
     */
    public static function usageUpdate(string $engine): array
    {
        return self::run($engine, ['usage']);
    }

    /**
     * Server Sync (ListAccounts) of one server.
     *
     * @return array{ok: bool, detail: string, seconds: float, php_peak_mb: float, accounts: int}
     */
    public static function listAccounts(string $engine, int $serverId): array
    {
        return self::run($engine, ['list', (string) $serverId]);
    }

    /**
     * @param list<string> $arguments
     * @return array{ok: bool, detail: string, seconds: float, php_peak_mb: float, accounts: int}
     */
    private static function run(string $engine, array $arguments): array
    {
        $command = array_merge([PHP_BINARY, dirname(__DIR__) . '/whmcs-task.php'], $arguments);
        $output = Process::run($command, '', [Engine::BINARY_ENV => $engine]);
        $figures = json_decode(trim($output), true);
        if (!is_array($figures) || ($figures['ok'] ?? false) !== true) {
            throw new \RuntimeException('bench/whmcs-task.php ' . implode(' ', $arguments) . ' failed: ' . $output);
        }
        return $figures;
    }
}
