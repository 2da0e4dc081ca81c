<?php
/**
 * PHPUnit bootstrap: loads the WHMCS harness and the module, makes sure a private MariaDB runs
 * (scripts/mariadb.sh, unless KS_DB_DRIVER is already set) and that the engine and emulator binaries
 * exist. The emulator itself is started once, on first use (Support\TestEnvironment::emulator()).
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
