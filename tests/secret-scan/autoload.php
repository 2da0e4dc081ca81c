<?php
/**
 * Autoloader of the secret scan's classes (namespace KerioSingle\SecretScan, this folder), shared
 * by every suite's bootstrap and by scan.php.
 */

spl_autoload_register(static function (string $class): void {
    $prefix = 'KerioSingle\\SecretScan\\';
    if (strncmp($class, $prefix, strlen($prefix)) === 0) {
        $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
        if (is_file($file)) {
            require_once $file;
        }
    }
});
