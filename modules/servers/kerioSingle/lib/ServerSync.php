<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The module functions over every mailbox of a server: the daily cron's usage update and the
 * Server Sync listing. Both make one engine call and are written for 100,000 mailboxes within
 * the 128 MB `memory_limit` WHMCS's cron often runs with (make bench, bench/README.md): the engine
 * answers in its compact shapes (docs/bridge-protocol.md) and nothing is held twice longer than
 * needed.
 */
final class ServerSync
{
    /**
     * Fetches usage of every Active/Suspended mailbox of this module on the server in one engine call
     * and writes diskusage/disklimit (MB, rounded to whole MB) and lastupdate.
     *
     * The engine is asked for the compact answer (`usage`): one `[used MB, limit MB]` per address at
     * the address's position, already in whole MB, so the figures are zipped with the service ids
     * without an address lookup.
     *
     * @param array<string, mixed> $params server params only
     * @return int number of services updated
     * @throws EngineError|SettingsError
     */
    public static function updateUsage(array $params): int
    {
        $mailboxes = ServiceRepository::mailboxesOnServer((int) $params['serverid']);
        if ($mailboxes === []) {
            return 0;
        }
        $serviceIds = array_keys($mailboxes);
        $addresses = array_values($mailboxes);
        unset($mailboxes);
        $client = EngineClient::forParams($params, 'UsageUpdate');
        return UsageWriter::write(date('Y-m-d H:i:s'), static function (UsageWriter $writer) use ($client, $addresses, $serviceIds): void {
            $received = 0;
            $args = ['addresses' => $addresses, 'service_ids' => $serviceIds, 'stream' => true];
            $result = $client->call('usage', $args, [],
                static function (array $partial) use ($writer, $serviceIds, &$received): void {
                    foreach ((array) ($partial['usage'] ?? []) as $entry) {
                        $received++;
                        $serviceId = is_array($entry) && is_int($entry[0] ?? null) ? ($serviceIds[$entry[0]] ?? null) : null;
                        if ($serviceId !== null) {
                            $writer->add($serviceId, (int) ($entry[1] ?? 0), (int) ($entry[2] ?? 0));
                        }
                    }
                });
            self::checkStreamed($result, $received, $writer->added());
        });
    }

    /**
     * A streamed usage run must have handed over exactly as many figures as its answer says, each
     * for a service asked about; anything else writes nothing.
     *
     * @param array<string, mixed> $result the engine's answer (`streamed`)
     * @throws EngineError
     */
    private static function checkStreamed(array $result, int $received, int $added): void
    {
        $streamed = $result['streamed'] ?? null;
        if ($streamed !== $received || $added !== $received) {
            throw new EngineError(
                EngineError::OUTPUT,
                'The Kerio engine reported ' . (is_int($streamed) ? $streamed : 'no count of') . ' usage figures, but ' . $received
                    . ' arrived (' . $added . ' for services asked about); no usage was written.',
                'Make sure bin/kerio-single and kerioSingle.php come from the same module release, then run the update again.'
            );
        }
    }

    /**
     * The mailboxes on the server in WHMCS's server-sync shape: the documented keys email, username,
     * domain, uniqueIdentifier, product, primaryip, created and status (eight keys fit PHP's
     * smallest hash; a ninth, `name`, which WHMCS does not document, cost 34 MB at 100,000).
     *
     * Kerio's user records carry no creation time, so `created` is the moment of the sync. Kerio has no
     * plans either: `product` is the quota in MB, matched by WHMCS against configoption2 (quota_mb,
     * MetaData ListAccountsProductField). Each engine entry is dropped as soon as its account is
     * built, and equal domain and product strings are shared.
     *
     * @param array<string, mixed> $params server params only
     * @return list<array<string, string>>
     * @throws EngineError|SettingsError
     */
    public static function listAccounts(array $params): array
    {
        $listed = EngineClient::forParams($params, 'ListAccounts')->call('list_accounts', ['compact' => true])['accounts'] ?? [];
        $now = date('Y-m-d H:i:s');
        $domains = [];
        $products = [];
        $accounts = [];
        foreach (array_keys($listed) as $position) {
            [$address, $suspended, $quotaMb] = $listed[$position];
            unset($listed[$position]);
            $address = (string) $address;
            $domain = substr((string) strrchr($address, '@'), 1);
            $product = (string) (int) $quotaMb;
            $accounts[] = [
                'email' => $address,
                'username' => $address,
                'domain' => $domains[$domain] ??= $domain,
                'uniqueIdentifier' => $address,
                'product' => $products[$product] ??= $product,
                'primaryip' => '',
                'created' => $now,
                'status' => $suspended ? 'Suspended' : 'Active',
            ];
        }
        return $accounts;
    }
}
