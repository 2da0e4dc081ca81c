<?php

namespace WHMCS\Module\Server\kerioSingle;

use Illuminate\Database\Connection;
use Illuminate\Database\QueryException;
use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The module's reads and writes of tblhosting (WHMCS services).
 */
final class ServiceRepository
{
    /** Module name as stored in tblproducts.servertype. */
    public const MODULE = 'kerioSingle';
    /** The temporary table writeUsage() stages the figures in (private to the connection). */
    private const USAGE_STAGE = 'kerio_single_usage';
    /**
     * Rows per INSERT into the staging table: about 100 KB of SQL each, far below MySQL's
     * max_allowed_packet, and few statements for 10,000 services.
     */
    private const STAGE_ROWS_PER_INSERT = 5000;
    /** Services per UPDATE … CASE when no staging table can be made (the CASE list is searched per row). */
    private const CASE_ROWS_PER_UPDATE = 200;

    /**
     * After a create: the address becomes the service username, the mail domain the service domain,
     * and the password the (encrypted) service password.
     */
    public static function recordMailbox(int $serviceId, string $address, string $mailDomain, string $password): void
    {
        Capsule::table('tblhosting')->where('id', $serviceId)->update([
            'username' => $address,
            'domain' => $mailDomain,
            'password' => encrypt($password),
            'updated_at' => date('Y-m-d H:i:s'),
        ]);
    }

    /**
     * Active and Suspended services of this module on a server that have a mailbox address, by id.
     *
     * The module's products are read first and the services then by product id, without a join
     * or an ORDER BY (sorted here): at 10,000 services on MariaDB the join with ORDER BY cost
     * ~17 ms in a temporary table and filesort, the two plain reads ~7 ms. The rows are fetched one
     * by one straight from PDO: at 100,000 services one object per row cost ~20 MB.
     *
     * @return array<int, string> service id => address (lower-case), ascending by id
     */
    public static function mailboxesOnServer(int $serverId): array
    {
        $productIds = Capsule::table('tblproducts')->where('servertype', self::MODULE)->pluck('id')->all();
        if ($productIds === []) {
            return [];
        }
        $query = Capsule::table('tblhosting')
            ->select(['id', 'username'])
            ->where('server', $serverId)
            ->whereIn('packageid', $productIds)
            ->whereIn('domainstatus', ['Active', 'Suspended'])
            ->where('username', '!=', '');
        $statement = Capsule::connection()->getPdo()->prepare($query->toSql());
        $statement->execute($query->getBindings());
        $mailboxes = [];
        while (($row = $statement->fetch(\PDO::FETCH_NUM)) !== false) {
            $mailboxes[(int) $row[0]] = strtolower((string) $row[1]);
        }
        ksort($mailboxes);
        return $mailboxes;
    }

    /**
     * Writes diskusage/disklimit (MB) and lastupdate of many services in one transaction: the
     * figures go into a temporary table with multi-row INSERTs, then one UPDATE joins it to
     * tblhosting (make bench, 10,000 services on MariaDB: about 0.07 s; UPDATE … CASE in chunks
     * of 200 took 0.2 s, because the CASE list is searched for every row).
     *
     * Services deleted meanwhile are simply not updated. Not every WHMCS database user may create
     * temporary tables (the CREATE TEMPORARY TABLES privilege); without it the same figures are
     * written with the slower chunked UPDATE … CASE, and the module log says so once per run.
     *
     * @param array<int, array{0: int, 1: int}> $usage service id => [used MB, limit MB (0 = unlimited)]
     */
    public static function writeUsage(array $usage, string $now): void
    {
        if ($usage === []) {
            return;
        }
        $db = Capsule::connection();
        $sqlite = $db->getDriverName() === 'sqlite';
        $db->transaction(static function () use ($db, $sqlite, $usage, $now): void {
            $refusal = self::createUsageStage($db, $sqlite);
            if ($refusal !== null) {
                (new ModuleLog('UsageUpdate', []))->note(
                    ['services' => count($usage)],
                    'The WHMCS database user could not create a temporary table (' . $refusal . '); usage was written with '
                    . 'the slower chunked UPDATE instead. To speed it up: GRANT CREATE TEMPORARY TABLES ON <whmcs database>.* TO <whmcs user>.'
                );
                self::writeUsageByCase($db, $usage, $now);
                return;
            }
            try {
                foreach (array_chunk($usage, self::STAGE_ROWS_PER_INSERT, true) as $chunk) {
                    $db->insert('INSERT INTO ' . self::USAGE_STAGE . ' (id, used_mb, limit_mb) VALUES ' . self::integerRows($chunk));
                }
                $db->update($sqlite
                    ? 'UPDATE tblhosting SET diskusage = s.used_mb, disklimit = s.limit_mb, lastupdate = ?'
                        . ' FROM ' . self::USAGE_STAGE . ' s WHERE s.id = tblhosting.id'
                    : 'UPDATE tblhosting h JOIN ' . self::USAGE_STAGE . ' s ON s.id = h.id'
                        . ' SET h.diskusage = s.used_mb, h.disklimit = s.limit_mb, h.lastupdate = ?', [$now]);
            } finally {
                $db->statement($sqlite ? 'DROP TABLE temp.' . self::USAGE_STAGE : 'DROP TEMPORARY TABLE ' . self::USAGE_STAGE);
            }
        });
    }

    /**
     * The write without a staging table: UPDATE … SET diskusage = CASE id WHEN … END, … WHERE id IN (…)
     * for CASE_ROWS_PER_UPDATE services at a time (values are integer literals, see integerRows()).
     *
     * @param array<int, array{0: int, 1: int}> $usage service id => [used MB, limit MB]
     */
    private static function writeUsageByCase(Connection $db, array $usage, string $now): void
    {
        foreach (array_chunk($usage, self::CASE_ROWS_PER_UPDATE, true) as $chunk) {
            $used = $limit = '';
            foreach ($chunk as $serviceId => [$usedMb, $limitMb]) {
                $used .= ' WHEN ' . (int) $serviceId . ' THEN ' . (int) $usedMb;
                $limit .= ' WHEN ' . (int) $serviceId . ' THEN ' . (int) $limitMb;
            }
            $ids = implode(',', array_map('intval', array_keys($chunk)));
            $db->update('UPDATE tblhosting SET diskusage = CASE id' . $used . ' END, disklimit = CASE id' . $limit . ' END,'
                . ' lastupdate = ? WHERE id IN (' . $ids . ')', [$now]);
        }
    }

    /**
     * The rows as SQL literals, `(id,used,limit),…`. Every value is cast to int here, so nothing
     * but digits and minus signs reaches the SQL; binding 30,000 parameters instead took twice as
     * long as the INSERT itself.
     *
     * @param array<int, array{0: int, 1: int}> $rows service id => [used MB, limit MB]
     */
    private static function integerRows(array $rows): string
    {
        $literals = [];
        foreach ($rows as $serviceId => [$usedMb, $limitMb]) {
            $literals[] = '(' . (int) $serviceId . ',' . (int) $usedMb . ',' . (int) $limitMb . ')';
        }
        return implode(',', $literals);
    }

    /**
     * Creates the connection's staging table for writeUsage() (MySQL: in memory; SQLite, which the
     * demo uses, has no ENGINE clause and drops temporary tables by their `temp.` name).
     *
     * @return string|null null when created, otherwise the database's refusal
     */
    private static function createUsageStage(Connection $db, bool $sqlite): ?string
    {
        try {
            $db->statement('CREATE TEMPORARY TABLE ' . self::USAGE_STAGE
                . ' (id INTEGER NOT NULL PRIMARY KEY, used_mb INTEGER NOT NULL, limit_mb INTEGER NOT NULL)'
                . ($sqlite ? '' : ' ENGINE=MEMORY'));
            return null;
        } catch (QueryException $refused) {
            return $refused->getPrevious() instanceof \PDOException ? $refused->getPrevious()->getMessage() : $refused->getMessage();
        }
    }
}
