<?php

namespace WHMCS\Module\Server\kerioSingle;

use Illuminate\Database\Schema\Blueprint;
use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * How often a service's forwarding may change: at most N changes in any hour (N from the server's
 * Access Hash line `forwarding_changes_per_hour`, default 10), so a customer cannot use the mailbox as
 * a relay that is re-pointed at will. Each change that reached Kerio is a row of the table
 * mod_keriosingle_forwarding (service id, time); rows older than an hour are dropped as new ones come.
 * Callers hold the mailbox's lock (NamedLock::mailbox) around check, change and record, so parallel
 * changes cannot pass the limit together.
 */
final class ForwardingChanges
{
    /** Table created on first use. */
    public const TABLE = 'mod_keriosingle_forwarding';
    /** Changes per service and hour when the Access Hash sets none. */
    public const DEFAULT_PER_HOUR = 10;
    /** Length of the window, in seconds. */
    private const WINDOW_SECONDS = 3600;

    /**
     * Refuses when the service already made $perHour changes in the last hour.
     *
     * @throws SettingsError saying when the next change is possible
     */
    public static function requireAllowed(int $serviceId, int $perHour, Lang $lang): void
    {
        self::ensureTable();
        $since = time() - self::WINDOW_SECONDS;
        Capsule::table(self::TABLE)->where('changed_at', '<=', $since)->delete();
        $recent = Capsule::table(self::TABLE)->where('serviceid', $serviceId)->where('changed_at', '>', $since);
        if ($recent->count() < $perHour) {
            return;
        }
        $minutes = (int) ceil(((int) $recent->min('changed_at') - $since) / 60);
        throw new SettingsError($lang->get('ss_forwarding_too_often', ['max' => (string) $perHour, 'minutes' => (string) max(1, $minutes)]));
    }

    /** Counts one change of the service's forwarding. */
    public static function record(int $serviceId): void
    {
        self::ensureTable();
        Capsule::table(self::TABLE)->insert(['serviceid' => $serviceId, 'changed_at' => time()]);
    }

    private static function ensureTable(): void
    {
        ModuleTable::ensure(self::TABLE, static function (Blueprint $table): void {
            $table->increments('id');
            $table->unsignedInteger('serviceid');
            $table->unsignedInteger('changed_at');
            $table->index(['serviceid', 'changed_at']);
        });
    }
}
