<?php

namespace WHMCS\Module\Server\kerioSingle;

use Illuminate\Database\Schema\Blueprint;
use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * What the last package changes left for staff and the customer to see, one row per service in the
 * WHMCS database table mod_keriosingle_plan_state (created on first use):
 *
 * - a **refused downgrade**: WHMCS moved the service to a plan whose quota is below the mailbox's
 *   live usage, the engine refused it (`quota_below_usage`), so Kerio keeps the old quota while
 *   WHMCS bills the new one: `kept_quota_mb` (null = unknown), `billed_quota_mb` and `refused_since`
 *   (the first refusal; later refusals keep it). Cleared by the next successful ChangePackage.
 *   The whole row goes when the service is terminated.
 * - **forwarding turned off by the plan**: the targets a change dropped (JSON list) and when.
 *   Replaced by every successful ChangePackage (cleared when it dropped nothing).
 */
final class PlanState
{
    /** Table created on first use. */
    public const TABLE = 'mod_keriosingle_plan_state';

    /**
     * Flags a downgrade the engine refused because the new quota is below the live usage.
     *
     * @param int|null $keptQuotaMb the quota Kerio keeps (the one last recorded), null when unknown
     */
    public static function refusedDowngrade(int $serviceId, ?int $keptQuotaMb, int $billedQuotaMb): void
    {
        self::ensureTable();
        $since = self::of($serviceId)->refused_since ?? null;
        Capsule::table(self::TABLE)->updateOrInsert(['service_id' => $serviceId], [
            'kept_quota_mb' => $keptQuotaMb,
            'billed_quota_mb' => $billedQuotaMb,
            'refused_since' => $since ?? date('Y-m-d H:i:s'),
        ]);
    }

    /**
     * Records a successful package change: the refused-downgrade flag is cleared and the forwarding
     * targets it dropped (if any) are kept for the client area.
     *
     * @param list<string> $forwardingDropped
     */
    public static function changed(int $serviceId, array $forwardingDropped): void
    {
        self::ensureTable();
        Capsule::table(self::TABLE)->updateOrInsert(['service_id' => $serviceId], [
            'kept_quota_mb' => null,
            'billed_quota_mb' => null,
            'refused_since' => null,
            'forwarding_dropped' => $forwardingDropped === [] ? null : json_encode(array_values($forwardingDropped)),
            'forwarding_dropped_at' => $forwardingDropped === [] ? null : date('Y-m-d H:i:s'),
        ]);
    }

    /**
     * Forgets what package changes left for the service: its mailbox is gone (terminated), so
     * neither a refused downgrade nor dropped forwarding describes it any more, and a later Create
     * of the same service starts clean.
     */
    public static function forget(int $serviceId): void
    {
        if (self::of($serviceId) !== null) {
            Capsule::table(self::TABLE)->where('service_id', $serviceId)->delete();
        }
    }

    /**
     * The service's row, or null when nothing was recorded (or the table cannot be read).
     */
    public static function of(int $serviceId): ?object
    {
        try {
            if (!Capsule::schema()->hasTable(self::TABLE)) {
                return null;
            }
            return Capsule::table(self::TABLE)->where('service_id', $serviceId)->first();
        } catch (\Exception $unreadable) {
            return null;
        }
    }

    /**
     * The forwarding targets the last package change turned off ([] = none).
     *
     * @return list<string>
     */
    public static function droppedTargets(?object $row): array
    {
        $targets = json_decode((string) ($row->forwarding_dropped ?? ''), true);
        return is_array($targets) ? array_values(array_map('strval', $targets)) : [];
    }

    private static function ensureTable(): void
    {
        ModuleTable::ensure(self::TABLE, static function (Blueprint $table): void {
            $table->unsignedInteger('service_id')->primary();
            $table->unsignedBigInteger('kept_quota_mb')->nullable();
            $table->unsignedBigInteger('billed_quota_mb')->nullable();
            $table->dateTime('refused_since')->nullable();
            $table->text('forwarding_dropped')->nullable();
            $table->dateTime('forwarding_dropped_at')->nullable();
        });
    }
}
