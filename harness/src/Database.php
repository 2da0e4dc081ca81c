<?php

namespace KerioSingle\Harness;

use Illuminate\Database\Capsule\Manager;

/**
 * Connects the real Illuminate Capsule (WHMCS\Database\Capsule) to MariaDB or SQLite and
 * creates the WHMCS 8 schema.
 */
final class Database
{
    private static ?Manager $current = null;

    /**
     * Connection settings from the environment (see harness/README.md):
     * KS_DB_DRIVER=mysql with KS_DB_SOCKET or KS_DB_HOST/KS_DB_PORT, KS_DB_NAME, KS_DB_USER, KS_DB_PASSWORD;
     * or KS_DB_DRIVER=sqlite with KS_DB_PATH (default in memory).
     *
     * @return array<string, mixed>
     */
    public static function configFromEnvironment(): array
    {
        $driver = self::env('KS_DB_DRIVER', 'sqlite');
        if ($driver === 'sqlite') {
            return self::sqlite(self::env('KS_DB_PATH', ':memory:'));
        }
        if ($driver !== 'mysql') {
            throw new \InvalidArgumentException('KS_DB_DRIVER must be "mysql" or "sqlite", not "' . $driver . '".');
        }
        return [
            'driver' => 'mysql',
            'unix_socket' => self::env('KS_DB_SOCKET', ''),
            'host' => self::env('KS_DB_HOST', '127.0.0.1'),
            'port' => self::env('KS_DB_PORT', '3306'),
            'database' => self::env('KS_DB_NAME', 'whmcs_test'),
            'username' => self::env('KS_DB_USER', 'root'),
            'password' => self::env('KS_DB_PASSWORD', ''),
            'charset' => 'utf8mb4',
            'collation' => 'utf8mb4_unicode_ci',
            // WHMCS runs MySQL without strict mode (zero dates in lastupdate etc.).
            'strict' => false,
        ];
    }

    /**
     * SQLite settings for a file (or ':memory:').
     *
     * @return array<string, mixed>
     */
    public static function sqlite(string $path): array
    {
        return ['driver' => 'sqlite', 'database' => $path, 'prefix' => ''];
    }

    /**
     * Sets the global Capsule connection and (re)creates every WHMCS table, empty.
     *
     * @param array<string, mixed> $config
     */
    public static function connect(array $config): void
    {
        Schema::create(self::attach($config)->getConnection()->getSchemaBuilder());
    }

    /**
     * Sets the global Capsule connection to an existing WHMCS database without touching its tables
     * (a second process working on the same installation, like a cron run beside the admin area).
     *
     * @param array<string, mixed> $config
     */
    public static function attach(array $config): Manager
    {
        Settings::forget();
        if (self::$current !== null) {
            // Close the previous connection: one per test would otherwise exhaust max_connections.
            self::$current->getDatabaseManager()->purge();
        }
        $capsule = new Manager();
        self::$current = $capsule;
        $capsule->addConnection($config);
        $capsule->setAsGlobal();
        if ($config['driver'] === 'sqlite') {
            // MySQL's now(), which WHMCS code and its docs' examples use in raw SQL.
            $capsule->getConnection()->getPdo()->sqliteCreateFunction('now', static fn (): string => date('Y-m-d H:i:s'), 0);
        }
        return $capsule;
    }

    private static function env(string $name, string $default): string
    {
        $value = getenv($name);
        return is_string($value) && $value !== '' ? $value : $default;
    }
}
