<?php

namespace KerioSingle\Tests\Support;

use KerioSingle\Harness\Emulator;
use WHMCS\Module\Server\kerioSingle\Engine;

/**
 * The processes every test shares: MariaDB (started by scripts/mariadb.sh unless KS_DB_DRIVER is
 * set, stopped at the end if this run started it) and one Kerio emulator.
 */
final class TestEnvironment
{
    /** The emulator's admin password: special characters on purpose (module-log masking, JSON escaping). */
    public const ADMIN_PASSWORD = 'Adm1n&Secret#"42"<x>';

    private static ?Emulator $emulator = null;

    /** Checks the binaries and starts the database. */
    public static function boot(): void
    {
        $engine = Engine::defaultBinary();
        if (!is_executable($engine)) {
            throw new \RuntimeException('The engine ' . $engine . ' is missing: run `make build` (or set ' . Engine::BINARY_ENV . ').');
        }
        if (!is_executable(Emulator::binary())) {
            throw new \RuntimeException('The emulator ' . Emulator::binary() . ' is missing: run `make build` (or set ' . Emulator::BINARY_ENV . ').');
        }
        if ((string) getenv('KS_DB_DRIVER') === '') {
            self::startMariaDb();
        }
    }

    /** The shared emulator, started on first use. */
    public static function emulator(): Emulator
    {
        if (self::$emulator === null) {
            $state = ROOTDIR . '/.state/php-tests/emulator-' . getmypid();
            self::removeTree($state);
            self::$emulator = Emulator::start($state, self::ADMIN_PASSWORD);
        }
        return self::$emulator;
    }

    /**
     * Starts (or reuses) the checkout's MariaDB with a database private to this run, so parallel runs
     * (other suites, the web harness) never drop each other's tables; the database is dropped at the end.
     */
    private static function startMariaDb(): void
    {
        $script = ROOTDIR . '/scripts/mariadb.sh';
        putenv('KS_DB_NAME=whmcs_phpunit_' . getmypid());
        exec(escapeshellarg($script) . ' status', $ignored, $statusCode);
        $alreadyRunning = $statusCode === 0;
        exec(escapeshellarg($script) . ' start 2>&1', $lines, $exitCode);
        if ($exitCode !== 0) {
            throw new \RuntimeException("scripts/mariadb.sh start failed:\n" . implode("\n", $lines));
        }
        foreach ($lines as $line) {
            if (preg_match('/^(KS_DB_[A-Z_]+)=(.*)$/', $line, $match) === 1) {
                putenv($match[1] . '=' . $match[2]);
            }
        }
        register_shutdown_function(static function () use ($script, $alreadyRunning): void {
            exec(escapeshellarg($script) . ($alreadyRunning ? ' drop' : ' stop'));
        });
    }

    private static function removeTree(string $path): void
    {
        if (is_dir($path)) {
            exec('rm -rf ' . escapeshellarg($path));
        }
    }
}
