<?php

namespace WHMCS\Module\Server\kerioSingle;

use Illuminate\Database\Schema\Blueprint;
use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * Addresses whose mail Kerio keeps after a terminate with mode "keep", in the WHMCS database table
 * mod_keriosingle_kept (one row per address: the terminated service, its client, its server, when,
 * and when the kept mail is purged).
 *
 * Kerio gives a kept store to the next user created with the same name, so while a row exists the
 * address goes only to the same WHMCS client (who gets the mail back, and the row is cleared);
 * anyone else is refused with `address_kept` before anything is made on Kerio. After the product's
 * "Keep terminated mail (days)" the daily cron purges the store (engine op `purge_kept`) and frees
 * the address; staff can do it at once with "Purge kept mail now" on the terminated service.
 */
final class KeptMail
{
    /** Table created on first use. */
    public const TABLE = 'mod_keriosingle_kept';
    /** The error code of an address kept for another client (docs/bridge-protocol.md). */
    public const CODE = 'address_kept';
    /** availability(): nothing is kept at the address. */
    public const FREE = 'free';
    /** availability(): the mail of the asking client's own terminated service is kept there. */
    public const YOURS = 'yours';
    /** availability(): another client's mail is kept there. */
    public const NOT_AVAILABLE = 'not_available';
    /** Rows the daily cron purges at most per run (the rest follow the next day). */
    private const PURGES_PER_RUN = 200;

    /**
     * Records the service's address as kept (terminate with mode keep), replacing an older row of it.
     *
     * @param array<string, mixed> $params the terminated service's params
     */
    public static function record(array $params, int $days): void
    {
        self::ensureTable();
        $address = self::normalise(Lifecycle::address($params));
        $now = time();
        Capsule::table(self::TABLE)->where('address', $address)->delete();
        Capsule::table(self::TABLE)->insert([
            'address' => $address,
            'service_id' => (int) $params['serviceid'],
            'client_id' => (int) ($params['userid'] ?? 0),
            'server_id' => (int) ($params['serverid'] ?? 0),
            'kept_at' => date('Y-m-d H:i:s', $now),
            'purge_after' => date('Y-m-d H:i:s', $now + $days * 86400),
        ]);
    }

    /** The row of a kept address, or null. */
    public static function find(string $address): ?object
    {
        self::ensureTable();
        return Capsule::table(self::TABLE)->where('address', self::normalise($address))->first();
    }

    /** The row kept for a terminated service, or null. */
    public static function ofService(int $serviceId): ?object
    {
        self::ensureTable();
        return Capsule::table(self::TABLE)->where('service_id', $serviceId)->first();
    }

    /**
     * What the address is for client $clientId: FREE, YOURS (the client's own kept mail comes back)
     * or NOT_AVAILABLE (another client's mail is kept; also for an unknown client, 0).
     */
    public static function availability(string $address, int $clientId): string
    {
        $row = self::find($address);
        if ($row === null) {
            return self::FREE;
        }
        return $clientId > 0 && (int) $row->client_id === $clientId ? self::YOURS : self::NOT_AVAILABLE;
    }

    /**
     * Refuses a new mailbox at a kept address for any client but the one whose mail is kept; the
     * refusal is written to the module log with the admin text.
     *
     * @param array<string, mixed> $params the new service's params
     * @throws EngineError `address_kept`
     */
    public static function refuseForOtherClient(array $params, string $address): void
    {
        $row = self::find($address);
        if ($row === null || (int) $row->client_id === (int) ($params['userid'] ?? 0)) {
            return;
        }
        $error = new EngineError(self::CODE, self::adminText($row), 'To release the address, press "Purge kept mail now" on service #'
            . (int) $row->service_id . ' (the kept mail is deleted), or wait for the daily purge; or choose another mailbox name.');
        (new ModuleLog('CreateAccount', Lifecycle::secretsOf($params)))->failure(
            ['serviceid' => (int) $params['serviceid'], 'address' => self::normalise($address)],
            self::CODE . ': ' . $error->describe()
        );
        throw $error;
    }

    /**
     * After the same client's create succeeded (Kerio re-attached the kept mail): clears the row.
     *
     * @param array<string, mixed> $params the new service's params
     */
    public static function restored(array $params, string $address): void
    {
        $row = self::find($address);
        if ($row === null) {
            return;
        }
        Capsule::table(self::TABLE)->where('address', $row->address)->delete();
        logActivity('kerioSingle: the kept mail of terminated service #' . (int) $row->service_id . ' at ' . $row->address
            . ' came back with the new mailbox - Service ID: ' . (int) $params['serviceid'], (int) ($params['userid'] ?? 0));
    }

    /** The admin's sentence about a kept row: whose mail, until when. */
    public static function adminText(object $row): string
    {
        return 'The address ' . $row->address . ' is not available: it carries the kept mail of terminated service #'
            . (int) $row->service_id . ' (client #' . (int) $row->client_id . ') until ' . substr((string) $row->purge_after, 0, 10) . '.';
    }

    /**
     * "Purge kept mail now" and the daily cron: deletes the kept store on Kerio (engine op
     * `purge_kept`, which refuses when a mailbox holds the address) and then the row.
     *
     * @throws EngineError when Kerio refused or failed; the row stays for the next try
     */
    public static function purge(object $row, EngineClient $client): void
    {
        $client->call('purge_kept', ['address' => (string) $row->address, 'service_id' => (int) $row->service_id]);
        Capsule::table(self::TABLE)->where('address', $row->address)->delete();
        logActivity('kerioSingle: kept mail of terminated service #' . (int) $row->service_id . ' at ' . $row->address
            . ' purged; the address is free - Service ID: ' . (int) $row->service_id, (int) $row->client_id);
    }

    /**
     * The daily cron: purges every row whose time is up, on the server the service used. A failure
     * is written to the activity log and retried the next day.
     *
     * @return array<string, string> address => 'purged' or the error
     */
    public static function purgeExpired(): array
    {
        self::ensureTable();
        $rows = Capsule::table(self::TABLE)->where('purge_after', '<=', date('Y-m-d H:i:s'))
            ->orderBy('purge_after')->limit(self::PURGES_PER_RUN)->get();
        $outcomes = [];
        foreach ($rows as $row) {
            $outcomes[(string) $row->address] = self::purgeOnItsServer($row);
        }
        return $outcomes;
    }

    /** One cron purge: 'purged' or the error text (also written to the activity log). */
    private static function purgeOnItsServer(object $row): string
    {
        $server = Capsule::table('tblservers')->where('id', (int) $row->server_id)->first();
        $secrets = [];
        try {
            if ($server === null) {
                throw new SettingsError('The server #' . (int) $row->server_id . ' of the terminated service no longer exists in WHMCS.');
            }
            $settings = ServerSettings::fromServerRow($server);
            $secrets[] = $settings->password();
            self::purge($row, new EngineClient(EngineClient::engineFor($settings), $settings, new ModuleLog('DailyCronJob', $secrets)));
            return 'purged';
        } catch (\Throwable $error) {
            $text = Lifecycle::errorText($error, [], $secrets);
            logActivity('kerioSingle: purging the kept mail of terminated service #' . (int) $row->service_id . ' at ' . $row->address
                . ' failed (retried tomorrow): ' . $text . ' - Service ID: ' . (int) $row->service_id, (int) $row->client_id);
            return $text;
        }
    }

    /** Lower-case, trimmed: the form every row and lookup uses. */
    public static function normalise(string $address): string
    {
        return strtolower(trim($address));
    }

    private static function ensureTable(): void
    {
        ModuleTable::ensure(self::TABLE, static function (Blueprint $table): void {
            $table->string('address', 254)->primary();
            $table->unsignedInteger('service_id')->index();
            $table->unsignedInteger('client_id');
            $table->unsignedInteger('server_id');
            $table->dateTime('kept_at');
            $table->dateTime('purge_after')->index();
        });
    }
}
