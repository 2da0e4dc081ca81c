<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * Where the mailbox is above what the plan pays for, in words: for the admin service tab (rows)
 * and for the customer's overview (notices in the client's language). Three cases (issue 17
 * item 3): aliases above the plan's limit (kept after a downgrade), a downgrade the engine refused
 * because the mailbox uses more than the new quota (PlanState), and forwarding a package change
 * turned off (PlanState). Texts name only the service's own mailbox, aliases and targets.
 */
final class PlanNotices
{
    /** Admin row: aliases above the plan. */
    public const ADMIN_ALIASES = 'Aliases over the plan';
    /** Admin row: refused downgrade. */
    public const ADMIN_DOWNGRADE = 'Downgrade not applied';
    /** Admin row: forwarding turned off by a package change. */
    public const ADMIN_FORWARDING = 'Forwarding turned off by the plan';

    /**
     * Admin rows (label => plain text; the caller escapes).
     *
     * @param array<string, mixed> $params
     * @param list<string>|null    $aliases the mailbox's aliases, null when Kerio could not be read
     * @return array<string, string>
     */
    public static function adminRows(array $params, ?array $aliases): array
    {
        $rows = [];
        $maxAliases = self::maxAliases($params);
        if ($aliases !== null && $maxAliases !== null && count($aliases) > $maxAliases) {
            $rows[self::ADMIN_ALIASES] = self::aliasCount(count($aliases), $maxAliases)
                . '. The customer cannot add aliases until the mailbox is within the plan; "Remove aliases over the plan" removes the newest '
                . (count($aliases) - $maxAliases) . '.';
        }
        $state = PlanState::of((int) ($params['serviceid'] ?? 0));
        if ($state !== null && $state->refused_since !== null) {
            $rows[self::ADMIN_DOWNGRADE] = 'Kerio keeps ' . self::megabytes($state->kept_quota_mb) . '; WHMCS bills '
                . self::megabytes($state->billed_quota_mb) . ' since ' . (string) $state->refused_since
                . '. The mailbox uses more than the new quota, so the package change was refused; the customer is asked to delete mail. '
                . 'Run Change Package again afterwards (or tick "Allow downgrade below usage"); this clears once it succeeds.';
        }
        $dropped = PlanState::droppedTargets($state);
        if ($dropped !== []) {
            $rows[self::ADMIN_FORWARDING] = implode(', ', $dropped) . ' (' . (string) $state->forwarding_dropped_at . ')';
        }
        return $rows;
    }

    /**
     * The customer's notices, display-ready text.
     *
     * @param array<string, mixed>      $params
     * @param array<string, mixed>|null $live the engine's `account_info`, null when Kerio could not answer
     * @return list<string>
     */
    public static function forCustomer(array $params, Lang $lang, ?array $live): array
    {
        $notices = [];
        $maxAliases = self::maxAliases($params);
        $held = $live === null ? 0 : count((array) ($live['aliases'] ?? []));
        if ($maxAliases !== null && $held > $maxAliases) {
            $key = $maxAliases === 0 ? 'ca_plan_aliases_none' : 'ca_plan_aliases_over';
            $notices[] = $lang->get($key, ['count' => (string) $held, 'max' => (string) $maxAliases, 'remove' => (string) ($held - $maxAliases + 1)]);
        }
        $state = PlanState::of((int) ($params['serviceid'] ?? 0));
        if ($state !== null && $state->refused_since !== null) {
            $notices[] = self::downgradeNotice($lang, (int) $state->billed_quota_mb, $live);
        }
        $dropped = PlanState::droppedTargets($state);
        if ($dropped !== []) {
            $when = strtotime((string) $state->forwarding_dropped_at);
            $notices[] = $lang->get('ca_plan_forwarding_dropped', [
                'targets' => implode(', ', $dropped),
                'date' => $when === false ? '' : date($lang->get('date_time_format'), $when),
            ]);
        }
        return $notices;
    }

    /**
     * What to delete so the smaller plan fits (with the live usage), or the general request.
     *
     * @param array<string, mixed>|null $live
     */
    private static function downgradeNotice(Lang $lang, int $billedMb, ?array $live): string
    {
        if ($live === null) {
            return $lang->get('ca_plan_downgrade_refused_no_usage', ['billed' => $billedMb . ' MB']);
        }
        $used = (float) ($live['used_mb'] ?? 0);
        return $lang->get('ca_plan_downgrade_refused', [
            'billed' => $billedMb . ' MB',
            'used' => $lang->number($used, 0) . ' MB',
            'delete' => $lang->number(max(1.0, ceil($used - $billedMb)), 0) . ' MB',
        ]);
    }

    /**
     * The service's alias limit, or null when its settings cannot be read (nothing is said then).
     *
     * @param array<string, mixed> $params
     */
    private static function maxAliases(array $params): ?int
    {
        try {
            return ServiceLimits::fromParams($params)->maxAliases();
        } catch (SettingsError $unreadable) {
            return null;
        }
    }

    /** "5 aliases, plan allows 0". */
    private static function aliasCount(int $held, int $maxAliases): string
    {
        return $held . ' aliases, plan allows ' . $maxAliases;
    }

    /**
     * "5000 MB", "unlimited" for 0, "its previous size" when unknown.
     *
     * @param int|string|null $value a stored figure (MariaDB may return it as text)
     */
    private static function megabytes($value): string
    {
        if ($value === null) {
            return 'its previous size';
        }
        return (int) $value === 0 ? 'unlimited' : (int) $value . ' MB';
    }
}
