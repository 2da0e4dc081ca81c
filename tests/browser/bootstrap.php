<?php
/**
 * PHPUnit bootstrap of the browser suites: everything the module suites set up (harness, MariaDB,
 * engine and emulator binaries; tests/php/bootstrap.php) plus the browser helpers of this folder.
 * The suites use their own database (KS_DB_NAME, default whmcs_browser) on the same private MariaDB,
 * so they can run while the module suites recreate theirs. Their evidence for the secret scan goes
 * to .state/secret-scan/browser-PID/ (see tests/php/bootstrap.php; phpunit.xml names the suite).
 */

if (getenv('KS_DB_NAME') === false) {
    putenv('KS_DB_NAME=whmcs_browser');
}

require_once dirname(__DIR__, 2) . '/harness/bootstrap.php';
\KerioSingle\Harness\ModuleLoader::load('kerioSingle');
require_once dirname(__DIR__) . '/php/bootstrap.php';

(static function (): void {
    $config = \KerioSingle\Harness\Database::configFromEnvironment();
    if ($config['driver'] !== 'mysql') {
        return;
    }
    $dsn = $config['unix_socket'] !== '' ? 'mysql:unix_socket=' . $config['unix_socket'] : 'mysql:host=' . $config['host'] . ';port=' . $config['port'];
    $server = new \PDO($dsn, $config['username'], $config['password'], [\PDO::ATTR_ERRMODE => \PDO::ERRMODE_EXCEPTION]);
    $server->exec('CREATE DATABASE IF NOT EXISTS `' . str_replace('`', '', $config['database']) . '` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
})();

spl_autoload_register(static function (string $class): void {
    $prefix = 'KerioSingle\\Tests\\Browser\\';
    if (strncmp($class, $prefix, strlen($prefix)) === 0) {
        $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
        if (is_file($file)) {
            require_once $file;
        }
    }
});
