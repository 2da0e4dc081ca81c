<?php

namespace KerioSingle\Harness\Web;

use Illuminate\Database\Capsule\Manager;

/**
 * Connects a web request to the database a test or the demo already set up. Unlike
 * Database::connect() it creates nothing: every request of `php -S` is a new PHP process state and
 * must see the rows the test wrote.
 */
final class Connection
{
    /**
     * @param array<string, mixed> $config Database::configFromEnvironment()
     */
    public static function attach(array $config): void
    {
        if ($config['driver'] === 'sqlite' && $config['database'] === ':memory:') {
            throw new \RuntimeException('The web harness needs a database file or MariaDB: set KS_DB_PATH (sqlite) or KS_DB_DRIVER=mysql.');
        }
        $capsule = new Manager();
        $capsule->addConnection($config);
        $capsule->setAsGlobal();
        if ($config['driver'] === 'sqlite') {
            $capsule->getConnection()->getPdo()->sqliteCreateFunction('now', static fn (): string => date('Y-m-d H:i:s'), 0);
        }
    }
}
