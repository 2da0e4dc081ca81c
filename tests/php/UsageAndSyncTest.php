<?php

namespace KerioSingle\Tests;

use KerioSingle\Harness\Database;
use KerioSingle\Harness\Whmcs;
use KerioSingle\SecretScan\SecretLedger;
use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Database\Capsule;
use WHMCS\Module\Server\kerioSingle\ServiceRepository;

/**
 * The daily cron's UsageUpdate, server sync (ListAccounts) and the admin service page.
 */
final class UsageAndSyncTest extends ModuleTestCase
{
    public function testDailyCronWritesUsageAndLimitInMegabytesForEveryMailboxOfTheServer(): void
    {
        $serverId = $this->addServer();
        $small = $this->createdService(['quota_mb' => '1024'], [], $serverId);
        $unlimited = $this->createdService(['quota_mb' => '0'], ['maildomain' => 'example.org'], $serverId);
        $suspended = $this->createdService(['quota_mb' => '2048'], [], $serverId);
        $this->assertSame('success', $this->whmcs->moduleAction($suspended, 'suspend'));
        $this->emulator->setUsage($this->address($small), (int) (12.6 * 1024 * 1024));
        $this->emulator->setUsage($this->address($unlimited), 700 * 1024 * 1024);
        $this->emulator->setUsage($this->address($suspended), 1024 * 1024 * 1024);

        $results = $this->whmcs->runDailyCron();

        $this->assertSame('success', $results[$serverId]);
        $this->assertUsage($small, 13, 1024);
        $this->assertUsage($unlimited, 700, 0);
        $this->assertUsage($suspended, 1024, 2048);
    }

    public function testUsageIsFetchedWithOneEngineCallAndWrittenWithOneUpdate(): void
    {
        $serverId = $this->addServer();
        $services = [];
        foreach (['example.com', 'example.org', 'example.com'] as $domain) {
            $services[] = $this->createdService([], ['maildomain' => $domain], $serverId);
        }
        $this->emulator->resetStats();
        $connection = Capsule::connection();
        $connection->flushQueryLog();
        $connection->enableQueryLog();

        $this->whmcs->runDailyCron();

        $connection->disableQueryLog();
        $updates = array_filter($connection->getQueryLog(), static fn (array $q): bool => stripos($q['query'], 'update tblhosting') === 0);
        $this->assertCount(1, $updates, 'one UPDATE for all services of the server');
        $methods = $this->emulator->stats()['methods'];
        $this->assertLessThanOrEqual(2, $methods['Users.get'] ?? 0, 'at most one Users.get per domain');
        foreach ($services as $serviceId) {
            $this->assertNotSame('0000-00-00 00:00:00', (string) $this->whmcs->service($serviceId)->lastupdate);
        }
    }

    /** @return array<string, array{0: bool}> */
    public static function databases(): array
    {
        return ['MariaDB' => [false], 'SQLite (the demo)' => [true]];
    }

    /**
     * @dataProvider databases
     */
    public function testUsageOfThousandsOfServicesIsStagedAndWrittenWithOneUpdate(bool $sqlite): void
    {
        if ($sqlite) {
            $this->whmcs = Whmcs::install(Database::sqlite(':memory:'));
        }
        $rows = [];
        for ($id = 1; $id <= 10001; $id++) {
            $rows[] = ['id' => $id, 'userid' => 1, 'packageid' => 1, 'diskusage' => 5, 'disklimit' => 6];
        }
        foreach (array_chunk($rows, 500) as $chunk) {
            Capsule::table('tblhosting')->insert($chunk);
        }
        $usage = [];
        foreach (range(1, 10000) as $id) {
            $usage[$id] = [$id % 97, 1000 + $id];
        }
        $usage[10000] = ['-3', '7 OR 1=1'];
        $usage[20000] = [1, 2];
        $connection = Capsule::connection();
        $connection->flushQueryLog();
        $connection->enableQueryLog();

        ServiceRepository::writeUsage($usage, '2031-01-02 03:04:05');

        $connection->disableQueryLog();
        $queries = array_column($connection->getQueryLog(), 'query');
        $this->assertCount(1, preg_grep('/^update tblhosting/i', $queries), 'one UPDATE: ' . implode("\n", $queries));
        $this->assertCount(3, preg_grep('/^insert into kerio_single_usage/i', $queries), '10,001 rows staged in INSERTs of 5,000');
        foreach ([1, 4999, 5000, 5001, 9999] as $id) {
            $row = $this->whmcs->service($id);
            $this->assertSame([$id % 97, 1000 + $id, '2031-01-02 03:04:05'], [(int) $row->diskusage, (int) $row->disklimit, (string) $row->lastupdate]);
        }
        $cast = $this->whmcs->service(10000);
        $this->assertSame([-3, 7], [(int) $cast->diskusage, (int) $cast->disklimit], 'values are written as integers only');
        $untouched = $this->whmcs->service(10001);
        $this->assertSame([5, 6], [(int) $untouched->diskusage, (int) $untouched->disklimit]);
        $this->assertSame(10001, Capsule::table('tblhosting')->count(), 'a service deleted meanwhile is not re-created');

        ServiceRepository::writeUsage([10001 => [7, 8]], '2031-01-03 00:00:00');

        $this->assertSame([7, 8], [(int) $this->whmcs->service(10001)->diskusage, (int) $this->whmcs->service(10001)->disklimit],
            'the staging table is dropped after each run, so the next run (next server of the cron) works');
    }

    public function testASlowServerEndsInATimeoutErrorInsteadOfAHang(): void
    {
        $fields = $this->emulator->serverFields();
        $serverId = $this->addServer(['accesshash' => str_replace('timeout = 10', 'timeout = 1', $fields['accesshash'])]);
        $this->emulator->addFault(['method' => '*', 'kind' => 'delay', 'delay_ms' => 4000, 'times' => 1]);
        $started = microtime(true);

        $answer = $this->whmcs->testConnection($serverId);

        $this->assertFalse($answer['success']);
        $this->assertSame('timeout', $this->lastErrorCode());
        $this->assertLessThan(20, microtime(true) - $started);
    }

    public function testTerminatedServicesAndOtherServersAreLeftAlone(): void
    {
        $serverId = $this->addServer();
        $terminated = $this->createdService([], [], $serverId);
        $this->assertSame('success', $this->whmcs->moduleAction($terminated, 'terminate'));
        $elsewhere = $this->createdService([], [], $this->addServer(['name' => 'second']));
        Capsule::table('tblhosting')->whereIn('id', [$terminated, $elsewhere])->update(['diskusage' => 77, 'disklimit' => 88]);
        Capsule::table('tblservers')->where('id', '!=', $serverId)->update(['disabled' => 1]);

        $this->whmcs->runDailyCron();

        $this->assertUsage($terminated, 77, 88);
        $this->assertUsage($elsewhere, 77, 88);
    }

    public function testUsageUpdateFailureIsReportedToTheCron(): void
    {
        $serverId = $this->addServer();
        $this->createdService([], [], $serverId);
        SecretLedger::remember('wrong-password');
        $this->whmcs->updateServer($serverId, ['password' => 'wrong-password']);

        $results = $this->whmcs->runDailyCron();

        $this->assertNotSame('success', $results[$serverId]);
        $this->assertSame('auth_failed', $this->lastErrorCode());
        $lines = \KerioSingle\Harness\ActivityLog::lines();
        $this->assertStringStartsWith('Server Usage Update Failed: ', (string) end($lines));
    }

    public function testListAccountsReportsEveryMailboxWithStatus(): void
    {
        $serverId = $this->addServer();
        $active = $this->createdService(['quota_mb' => '1024'], [], $serverId);
        $suspended = $this->createdService([], [], $serverId);
        $this->assertSame('success', $this->whmcs->moduleAction($suspended, 'suspend'));

        $answer = $this->whmcs->listAccounts($serverId);

        $this->assertTrue($answer['success']);
        $byAddress = array_column($answer['accounts'], null, 'username');
        $this->assertSame('Active', $byAddress[$this->address($active)]['status']);
        $this->assertSame('example.com', $byAddress[$this->address($active)]['domain']);
        $this->assertSame('1024', $byAddress[$this->address($active)]['product'], 'matches configoption2 (quota_mb)');
        $this->assertSame('Suspended', $byAddress[$this->address($suspended)]['status']);
        $this->assertMatchesRegularExpression('/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/', $byAddress[$this->address($active)]['created']);
    }

    public function testListAccountsWithAnUnreachableServerFails(): void
    {
        $serverId = $this->addServer(['port' => 1]);

        $answer = $this->whmcs->listAccounts($serverId);

        $this->assertFalse($answer['success']);
        $this->assertSame('connection', $this->lastErrorCode());
    }

    public function testAdminServicesTabShowsLiveMailboxDataEscaped(): void
    {
        $serviceId = $this->createdService(['quota_mb' => '2048'], ['givenname' => 'Jane & "J"', 'surname' => 'O\'Doe']);
        $this->emulator->setUsage($this->address($serviceId), 5 * 1024 * 1024, 9);

        $rows = $this->whmcs->adminServicesTabFields($serviceId);

        $this->assertStringContainsString($this->address($serviceId), $rows['Kerio mailbox']);
        $this->assertSame('5.0 MB used of 2048 MB', $rows['Quota']);
        $this->assertSame('9', $rows['Items']);
        // Names with < or > are refused at create (engine rule); & and quotes are allowed and escaped.
        $this->assertStringContainsString('Jane &amp; &quot;J&quot;', $rows['Full name']);
        $this->assertStringNotContainsString('"J"', $rows['Full name']);
    }

    private function assertUsage(int $serviceId, int $usedMb, int $limitMb): void
    {
        $service = $this->whmcs->service($serviceId);
        $this->assertSame([$usedMb, $limitMb], [(int) $service->diskusage, (int) $service->disklimit], 'service ' . $serviceId);
    }

    public function testWithUpdateUsageStatisticsOffNothingIsUpdatedAndTheAdminTabSaysSo(): void
    {
        $serviceId = $this->createdService(['quota_mb' => '1024']);
        $this->emulator->setUsage($this->address($serviceId), 300 * 1024 * 1024);
        $this->whmcs->updateUsageStatisticsDaily(false);

        $this->whmcs->runDailyCron();

        $this->assertSame(0, (int) $this->whmcs->service($serviceId)->diskusage);
        $rows = $this->whmcs->adminServicesTabFields($serviceId);
        $this->assertStringStartsWith('Off: WHMCS never updates', $rows[\WHMCS\Module\Server\kerioSingle\MailboxView::USAGE_OFF_LABEL]);
        $this->assertArrayHasKey('Kerio mailbox', $rows, 'the live figures are still shown');

        $this->whmcs->updateUsageStatisticsDaily(true);
        $this->assertArrayNotHasKey(\WHMCS\Module\Server\kerioSingle\MailboxView::USAGE_OFF_LABEL, $this->whmcs->adminServicesTabFields($serviceId));
    }
}
