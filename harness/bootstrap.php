<?php
/**
 * Loads the WHMCS 8 stand-in: WHMCS constants, the real Illuminate Capsule (Debian
 * php-illuminate-database) aliased as WHMCS\Database\Capsule, the global WHMCS functions the module
 * calls, and the harness classes (namespace KerioSingle\Harness, src/).
 *
 * Include it once, then `Database::connect(Database::configFromEnvironment())` and use `Whmcs`.
 */

if (!defined('WHMCS')) {
    define('WHMCS', true);
}
if (!defined('ROOTDIR')) {
    define('ROOTDIR', dirname(__DIR__));
}

require_once '/usr/share/php/Illuminate/Database/autoload.php';

spl_autoload_register(static function (string $class): void {
    $prefix = 'KerioSingle\\Harness\\';
    if (strncmp($class, $prefix, strlen($prefix)) === 0) {
        // KerioSingle\Harness\Web\X lives in web/src/X.php, every other class in src/
        $relative = str_replace('\\', '/', substr($class, strlen($prefix)));
        $file = __DIR__ . (strncmp($relative, 'Web/', 4) === 0 ? '/web/src/' . substr($relative, 4) : '/src/' . $relative) . '.php';
        if (is_file($file)) {
            require_once $file;
        }
    }
});

if (!class_exists('WHMCS\\Database\\Capsule', false)) {
    class_alias(\Illuminate\Database\Capsule\Manager::class, 'WHMCS\\Database\\Capsule');
}

require_once __DIR__ . '/functions.php';
require_once __DIR__ . '/whmcs-classes.php';
