<?php
/**
 * PHPUnit bootstrap: loads the WHMCS harness and the module, makes sure a private MariaDB runs
 * (scripts/mariadb.sh, unless KS_DB_DRIVER is already set) and that the engine and emulator binaries
 * exist. The emulator itself is started once, on first use (Support\TestEnvironment::emulator()).
 *
 * Every phpunit suite that boots here (module, reliability, browser: the constant
 * KERIOSINGLE_TEST_SUITE of its phpunit.xml; other users such as bench/bench.php set none) keeps its evidence and secrets for the secret scan at the end of
 * `make test` in .state/secret-scan/SUITE-PID/ (tests/secret-scan/RunLogs.php).
 */

require_once dirname(__DIR__, 2) . '/harness/bootstrap.php';

spl_autoload_register(static function (string $class): void {
    $prefix = 'KerioSingle\\Tests\\';
    if (strncmp($class, $prefix, strlen($prefix)) === 0) {
        $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
        if (is_file($file)) {
            require_once $file;
        }
    }
});

\KerioSingle\Harness\ModuleLoader::load('kerioSingle');
\KerioSingle\Tests\Support\TestEnvironment::boot();

require_once dirname(__DIR__) . '/secret-scan/autoload.php';
if (defined('KERIOSINGLE_TEST_SUITE')) {
    \KerioSingle\SecretScan\RunLogs::prepare(KERIOSINGLE_TEST_SUITE);
}
