<?php

namespace KerioSingle\Tests\Support;

use KerioSingle\Harness\Database;
use KerioSingle\Harness\Emulator;
use KerioSingle\Harness\Whmcs;
use KerioSingle\SecretScan\RunLogs;
use KerioSingle\SecretScan\SecretLedger;
use PHPUnit\Framework\TestCase;
use WHMCS\Database\Capsule;

/**
 * Base for the module suites: a fresh WHMCS database per test, the shared emulator, and helpers
 * that set things up the way an admin and a customer would. For the secret scan at the end of
 * `make test` (tests/secret-scan/), every password handed to the module is recorded and every
 * test's module log, activity log and queue errors are archived before the next test recreates
 * the tables.
 */
abstract class ModuleTestCase extends TestCase
{
    /** A password Kerio's default policy accepts, with every character WHMCS/HTML/JSON/URLs treat specially. */
    public const ALPHABET_PASSWORD = 'Pa55 & # < > " \' \\ % + word';

    protected Whmcs $whmcs;
    protected Emulator $emulator;

    protected function setUp(): void
    {
        $this->whmcs = Whmcs::install(Database::configFromEnvironment());
        $this->whmcs->updateUsageStatisticsDaily(true);
        $this->emulator = TestEnvironment::emulator();
        $this->emulator->clearFaults();
        RunLogs::keepLog($this->emulator->logFile());
        SecretLedger::remember(TestEnvironment::ADMIN_PASSWORD, self::ALPHABET_PASSWORD);
    }

    protected function tearDown(): void
    {
        RunLogs::archiveDatabaseLogs(static::class . '::' . $this->getName());
        parent::tearDown();
    }

    /** A server pinned to the emulator's certificate; its password is recorded for the secret scan. */
    protected function addServer(array $overrides = []): int
    {
        SecretLedger::remember((string) ($overrides['password'] ?? ''));
        return $this->whmcs->addServer($overrides + $this->emulator->serverFields());
    }

    /**
     * A product with module settings saved through the Module Settings form.
     *
     * @param array<string, string|bool|int> $settings ConfigOptions key => value
     */
    protected function addProduct(array $settings = [], string $name = 'Mailbox'): int
    {
        $productId = $this->whmcs->addProduct($name);
        $this->whmcs->saveModuleSettings($productId, $settings + ['quota_mb' => '1024', 'sso' => true]);
        return $productId;
    }

    /** A unique mailbox name so tests never collide on the shared emulator. */
    protected function uniqueLocalPart(string $prefix = 'user'): string
    {
        return $prefix . '.' . bin2hex(random_bytes(4));
    }

    /**
     * An order of the product (Pending service) with the customer's custom field values; the
     * password is recorded for the secret scan.
     *
     * @param array<string, string> $fields overrides of localpart, maildomain, password, givenname, surname
     */
    protected function order(int $productId, int $serverId, array $fields = []): int
    {
        SecretLedger::remember((string) ($fields['password'] ?? ''));
        $clientId = $this->whmcs->addClient(['firstname' => 'Jane', 'lastname' => 'Doe', 'email' => 'jane@example.net']);
        return $this->whmcs->placeOrder($clientId, $productId, $serverId, $fields + [
            'localpart' => $this->uniqueLocalPart(),
            'maildomain' => 'example.com',
            'password' => self::ALPHABET_PASSWORD,
            'givenname' => 'Jane',
            'surname' => 'Doe',
        ]);
    }

    /**
     * Server, product, order, Create: the service id of an Active mailbox.
     *
     * @param array<string, string|bool|int> $settings
     * @param array<string, string>          $fields
     */
    protected function createdService(array $settings = [], array $fields = [], ?int $serverId = null): int
    {
        $serverId = $serverId ?? $this->addServer();
        $serviceId = $this->order($this->addProduct($settings), $serverId, $fields);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        return $serviceId;
    }

    /** The mailbox address of a created service. */
    protected function address(int $serviceId): string
    {
        return (string) $this->whmcs->service($serviceId)->username;
    }

    /**
     * The bridge error code of the module's last logged failure (ModuleLog writes "code: message").
     */
    protected function lastErrorCode(): string
    {
        $response = (string) Capsule::table('tblmodulelog')->orderBy('id', 'desc')->value('response');
        return preg_match('/^([a-z_]+): /', $response, $match) === 1 ? $match[1] : '(no error code in: ' . $response . ')';
    }

    /** Rows of tblmodulequeue for the service that are not completed. */
    protected function openQueueRows(int $serviceId): int
    {
        return Capsule::table('tblmodulequeue')->where('service_id', $serviceId)->where('completed', 0)->count();
    }

    /** The quota Kerio holds for the service's mailbox, in MB; 0 = unlimited. */
    protected function kerioQuotaMb(int $serviceId): int
    {
        $limit = $this->emulator->user($this->address($serviceId))['diskSizeLimit'];
        return $limit['isActive'] ? intdiv(self::bytesOf($limit['limit']), 1024 * 1024) : 0;
    }

    /**
     * Bytes of a Kerio ByteValueWithUnits ({value, units}; units are powers of 1024).
     *
     * @param array{value: int, units: string} $size
     */
    protected static function bytesOf(array $size): int
    {
        $powers = ['Bytes' => 0, 'KiloBytes' => 1, 'MegaBytes' => 2, 'GigaBytes' => 3, 'TeraBytes' => 4];
        return (int) $size['value'] * 1024 ** $powers[$size['units']];
    }

    /**
     * A second connection to the suite's MariaDB, as another PHP worker of the same WHMCS would
     * hold, that takes the named lock $lock (NamedLock) and keeps it until the connection is dropped
     * or RELEASE_LOCK runs on it.
     */
    protected function anotherWorkerHolding(string $lock): \PDO
    {
        $config = Database::configFromEnvironment();
        $this->assertSame('mysql', $config['driver'], 'the module suite runs on MariaDB');
        $dsn = $config['unix_socket'] !== '' ? 'mysql:unix_socket=' . $config['unix_socket'] : 'mysql:host=' . $config['host'] . ';port=' . $config['port'];
        $worker = new \PDO($dsn, $config['username'], $config['password']);
        $this->assertSame('1', (string) $worker->query("SELECT GET_LOCK('" . $lock . "', 0)")->fetchColumn(), 'the other worker holds ' . $lock);
        return $worker;
    }
}
