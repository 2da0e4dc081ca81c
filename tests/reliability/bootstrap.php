<?php
/**
 * PHPUnit bootstrap of the reliability suites (bad-input matrix, fault survival, concurrency,
 * secret scan). Boots the same environment as the module suites: tests/php/bootstrap.php (MariaDB
 * database per run, emulator, and the run directory of the secret scan with the engine's stderr
 * routed into it, see tests/secret-scan/RunLogs.php; phpunit.xml names the suite).
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

// A MariaDB instance of these suites alone: a run of another suite that started the shared
// instance stops it when it ends, which would cut this (longer) run off mid-way.
if ((string) getenv('KS_DB_STATE') === '') {
    putenv('KS_DB_STATE=' . ROOTDIR . '/.state/mariadb-reliability');
    putenv('KS_DB_PORT=' . (33308 + (int) getenv('KS_DB_PORT_OFFSET')));
}

require_once dirname(__DIR__) . '/php/bootstrap.php';
