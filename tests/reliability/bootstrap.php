<?php
/**
 * PHPUnit bootstrap of the reliability suites (bad-input matrix, fault survival, concurrency,
 * secret scan). Sets up this run's log directory and routes the engine's stderr into it (through
 * a two-line wrapper around the real engine binary, see Support/RunLogs.php), then boots the same
 * environment as the module suites: tests/php/bootstrap.php (MariaDB database per run, emulator).
 */

require_once dirname(__DIR__, 2) . '/harness/bootstrap.php';
require_once dirname(__DIR__, 2) . '/modules/servers/kerioSingle/lib/autoload.php';

spl_autoload_register(static function (string $class): void {
    $prefix = 'KerioSingle\\Reliability\\';
    if (strncmp($class, $prefix, strlen($prefix)) === 0) {
        $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
        if (is_file($file)) {
            require_once $file;
        }
    }
});

\KerioSingle\Reliability\Support\RunLogs::prepare();

// A MariaDB instance of these suites alone: a run of another suite that started the shared
// instance stops it when it ends, which would cut this (longer) run off mid-way.
if ((string) getenv('KS_DB_STATE') === '') {
    putenv('KS_DB_STATE=' . ROOTDIR . '/.state/mariadb-reliability');
    putenv('KS_DB_PORT=33308');
}

require_once dirname(__DIR__) . '/php/bootstrap.php';
