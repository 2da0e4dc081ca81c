<?php
/**
 * The module's own class autoloader.
 *
 * WHMCS's module autoloader maps namespace segments to lower-case or snake_case folder names,
 * which does not reliably find the camelCase folder `kerioSingle` on a case-sensitive filesystem.
 * This loader maps `WHMCS\Module\Server\kerioSingle\Foo` to `lib/Foo.php` itself.
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

spl_autoload_register(static function (string $class): void {
    $prefix = 'WHMCS\\Module\\Server\\kerioSingle\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
        return;
    }
    $relative = str_replace('\\', '/', substr($class, strlen($prefix)));
    $file = __DIR__ . '/' . $relative . '.php';
    if (is_file($file)) {
        require_once $file;
    }
});
