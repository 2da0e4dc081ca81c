<?php

namespace KerioSingle\Tests;

use KerioSingle\Harness\Database;
use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Database\Capsule;

/**
 * UsageUpdate under a WHMCS database user WITHOUT the CREATE TEMPORARY TABLES privilege (issue 10.9):
 * the figures are still written (the slower chunked UPDATE), and the module log says so once.
 * Needs MariaDB (SQLite has no privileges).
 */
final class UsageWithoutTemporaryTablesTest extends ModuleTestCase
{
    private const USER = 'ks_no_temp_tables';
    private const PASSWORD = 'NoTemp-Tables-42';

    /** @var array<string, mixed> */
    private array $rootConfig;

    protected function setUp(): void
    {
        parent::setUp();
        $this->rootConfig = Database::configFromEnvironment();
        if ($this->rootConfig['driver'] !== 'mysql') {
            $this->fail('This test needs MariaDB (KS_DB_DRIVER=mysql), which the PHP suite starts itself.');
        }
    }

    protected function tearDown(): void
    {
        Database::attach($this->rootConfig);
        Capsule::connection()->statement('DROP USER IF EXISTS ' . $this->account('localhost') . ', ' . $this->account('%'));
        parent::tearDown();
    }

    public function testUsageIsWrittenWithoutTheStagingTableAndTheFallbackIsLoggedOnce(): void
    {
        $serverId = $this->addServer();
        $services = [];
        foreach ([12, 700, 301] as $usedMb) {
            $serviceId = $this->createdService(['quota_mb' => '1024'], [], $serverId);
            $this->emulator->setUsage($this->address($serviceId), $usedMb * 1024 * 1024);
            $services[$serviceId] = $usedMb;
        }
        $this->connectWithoutTemporaryTables();

        $results = $this->whmcs->runDailyCron();

        $this->assertSame('success', $results[$serverId]);
        foreach ($services as $serviceId => $usedMb) {
            $row = $this->whmcs->service($serviceId);
            $this->assertSame([$usedMb, 1024], [(int) $row->diskusage, (int) $row->disklimit], 'service ' . $serviceId);
            $this->assertNotSame('0000-00-00 00:00:00', (string) $row->lastupdate);
        }
        $notes = Capsule::table('tblmodulelog')->where('response', 'like', '%could not create a temporary table%')->count();
        $this->assertSame(1, $notes, 'the fallback is reported once per run');
    }

    public function testWithThePrivilegeNoFallbackIsReported(): void
    {
        $serverId = $this->addServer();
        $this->createdService([], [], $serverId);

        $this->whmcs->runDailyCron();

        $this->assertSame(0, Capsule::table('tblmodulelog')->where('response', 'like', '%could not create a temporary table%')->count());
    }

    /** Reconnects as a user with every privilege WHMCS needs on its database except CREATE TEMPORARY TABLES. */
    private function connectWithoutTemporaryTables(): void
    {
        $db = Capsule::connection();
        $database = '`' . str_replace('`', '``', (string) $this->rootConfig['database']) . '`';
        foreach (['localhost', '%'] as $host) {
            $db->statement('DROP USER IF EXISTS ' . $this->account($host));
            $db->statement('CREATE USER ' . $this->account($host) . ' IDENTIFIED BY ' . $db->getPdo()->quote(self::PASSWORD));
            $db->statement('GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER ON ' . $database . '.* TO ' . $this->account($host));
        }
        Database::attach(['username' => self::USER, 'password' => self::PASSWORD] + $this->rootConfig);
        $this->assertFalse($this->canCreateTemporaryTable(), 'the test user must lack CREATE TEMPORARY TABLES');
    }

    private function canCreateTemporaryTable(): bool
    {
        try {
            Capsule::connection()->statement('CREATE TEMPORARY TABLE ks_probe (id INT)');
            Capsule::connection()->statement('DROP TEMPORARY TABLE ks_probe');
            return true;
        } catch (\Illuminate\Database\QueryException $refused) {
            return false;
        }
    }

    private function account(string $host): string
    {
        return "'" . self::USER . "'@'" . $host . "'";
    }
}
