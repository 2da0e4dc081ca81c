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
     * Rows per bulk UPDATE of usage figures. MySQL evaluates the CASE list once per row, so a chunk
     * costs rows x WHENs: 200 balances that against the per-statement cost (make bench, 10,000
     * services: 0.36 s of UPDATEs with 1,000 per chunk, about 0.1 s with 200).
     */
    private const USAGE_CHUNK = 200;

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
     * Active and Suspended services of this module on a server that have a mailbox address.
     *
     * @return array<int, string> service id => address (lower-case)
     */
    public static function mailboxesOnServer(int $serverId): array
    {
        $rows = Capsule::table('tblhosting as h')
            ->join('tblproducts as p', 'p.id', '=', 'h.packageid')
            ->where('h.server', $serverId)
            ->where('p.servertype', self::MODULE)
            ->whereIn('h.domainstatus', ['Active', 'Suspended'])
            ->where('h.username', '!=', '')
            ->orderBy('h.id')
            ->get(['h.id', 'h.username']);
        $mailboxes = [];
        foreach ($rows as $row) {
            $mailboxes[(int) $row->id] = strtolower((string) $row->username);
        }
        return $mailboxes;
    }

    /**
     * Writes diskusage/disklimit (MB) and lastupdate: one UPDATE … CASE statement per chunk of services.
     *
     * @param array<int, array{0: int, 1: int}> $usage service id => [used MB, limit MB (0 = unlimited)]
     */
    public static function writeUsage(array $usage, string $now): void
    {
        foreach (array_chunk($usage, self::USAGE_CHUNK, true) as $chunk) {
            $usedCases = [];
            $limitCases = [];
            $bindings = ['used' => [], 'limit' => []];
            foreach ($chunk as $serviceId => [$usedMb, $limitMb]) {
                $usedCases[] = 'WHEN ? THEN ?';
                $limitCases[] = 'WHEN ? THEN ?';
                array_push($bindings['used'], $serviceId, $usedMb);
                array_push($bindings['limit'], $serviceId, $limitMb);
            }
            $ids = array_keys($chunk);
            $sql = 'UPDATE tblhosting SET'
                . ' diskusage = CASE id ' . implode(' ', $usedCases) . ' ELSE diskusage END,'
                . ' disklimit = CASE id ' . implode(' ', $limitCases) . ' ELSE disklimit END,'
                . ' lastupdate = ?'
                . ' WHERE id IN (' . implode(',', array_fill(0, count($ids), '?')) . ')';
            Capsule::connection()->update($sql, array_merge($bindings['used'], $bindings['limit'], [$now], $ids));
        }
    }
}
