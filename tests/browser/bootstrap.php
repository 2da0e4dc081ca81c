<?php
/**
 * PHPUnit bootstrap of the browser suites: everything the module suites set up (harness, MariaDB,
 * engine and emulator binaries; tests/php/bootstrap.php) plus the browser helpers of this folder.
 */

require_once dirname(__DIR__, 2) . '/harness/bootstrap.php';
\KerioSingle\Harness\ModuleLoader::load('kerioSingle');
require_once dirname(__DIR__) . '/php/bootstrap.php';

spl_autoload_register(static function (string $class): void {
    $prefix = 'KerioSingle\\Tests\\Browser\\';
    if (strncmp($class, $prefix, strlen($prefix)) === 0) {
        $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
        if (is_file($file)) {
            require_once $file;
        }
    }
});
