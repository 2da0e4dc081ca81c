<?php

namespace WHMCS\Module\Server\kerioSingle;

use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * Live mailbox data on the admin service page (the client area is lib/ClientArea.php).
 */
final class MailboxView
{
    /** Label of the admin row shown while WHMCS does not update disk usage. */
    public const USAGE_OFF_LABEL = 'Disk usage updates';

    /**
     * Rows for the admin service page (label => escaped HTML), with a notice first while WHMCS's
     * daily usage update is switched off.
     *
     * @param array<string, mixed> $params
     * @return array<string, string>
     */
    public static function adminRows(array $params): array
    {
        return self::usageUpdatesNotice() + self::keptMailRow((int) $params['serviceid']) + self::mailboxRows($params);
    }

    /**
     * On a service terminated with mode keep: whose mail Kerio keeps at its address, until when, and
     * how to release it (lib/KeptMail.php); [] otherwise.
     *
     * @return array<string, string>
     */
    private static function keptMailRow(int $serviceId): array
    {
        $row = KeptMail::ofService($serviceId);
        return $row === null ? [] : ['Kept mail' => self::escape(KeptMail::adminText($row)
            . ' Only this client can order the address now (and gets the mail back). "Purge kept mail now" deletes the mail and frees the address.')];
    }

    /**
     * The live mailbox rows, or one row saying why they are not available.
     *
     * @param array<string, mixed> $params
     * @return array<string, string>
     */
    private static function mailboxRows(array $params): array
    {
        $extra = self::selfServiceRows($params) + ['Plan' => self::escape(self::planLine($params))];
        try {
            $info = self::accountInfo($params, 'AdminServicesTabFields', Lifecycle::address($params));
        } catch (\Throwable $error) {
            return array_merge([
                'Kerio mailbox' => self::escape('Not available: ' . Lifecycle::errorText($error, $params)),
                'Marked for this service' => self::escape(self::ownershipLine($error)),
            ], $extra, array_map([self::class, 'escape'], PlanNotices::adminRows($params, null)));
        }
        $lastLogin = $info['last_login'] ?? null;
        return array_merge([
            'Kerio mailbox' => self::escape((string) $info['address'] . ' (' . (string) $info['status'] . ')'),
            'Marked for this service' => self::escape('Yes (WHMCS service #' . (int) $params['serviceid'] . ')'),
            'Full name' => self::escape((string) ($info['full_name'] ?? '')),
            'Quota' => self::escape(self::usageLine($info)),
            'Items' => self::escape((string) ($info['items'] ?? 0)),
            'Last login' => self::escape($lastLogin === null ? 'never'
                : date('Y-m-d H:i', (int) $lastLogin) . ' (' . (string) ($info['last_login_protocol'] ?? '?') . ')'),
            'Aliases' => self::escape(implode(', ', (array) ($info['aliases'] ?? [])) ?: '—'),
        ], $extra, array_map([self::class, 'escape'], PlanNotices::adminRows($params, array_values((array) ($info['aliases'] ?? [])))));
    }

    /**
     * Aliases and forwarding of the service's mailbox when its product offers them (the engine's
     * `aliases` op); [] otherwise or when Kerio cannot answer (the mailbox row says why).
     *
     * @param array<string, mixed> $params
     * @return array<string, string>
     */
    private static function selfServiceRows(array $params): array
    {
        try {
            $state = SelfService::state($params, 'AdminServicesTabFields');
        } catch (\Throwable $unavailable) {
            return [];
        }
        if ($state === null) {
            return [];
        }
        $targets = (array) ($state['forward_to'] ?? []);
        $forwarding = $targets === [] ? 'off'
            : implode(', ', $targets) . (($state['keep_copy'] ?? true) === true ? ' (copy kept)' : ' (no copy kept)');
        return [
            'Aliases' => self::escape(implode(', ', (array) ($state['aliases'] ?? [])) ?: '—'),
            'Forwarding' => self::escape($forwarding),
        ];
    }

    /**
     * The service's effective limits (product settings with its Configurable Options applied).
     *
     * @param array<string, mixed> $params
     */
    public static function planLine(array $params): string
    {
        try {
            $limits = ServiceLimits::fromParams($params);
            $quota = $limits->quotaMb();
            return 'Mailbox size ' . ($quota === 0 ? 'unlimited' : $quota . ' MB') . ', up to ' . $limits->maxAliases() . ' alias(es)';
        } catch (SettingsError $error) {
            return $error->getMessage();
        }
    }

    /**
     * The engine's `account_info` for the service's mailbox at $address (ownership checked like every
     * mailbox op, Provisioning::mailboxArgs), logged under the given module action.
     *
     * @param array<string, mixed> $params
     * @return array<string, mixed>
     * @throws EngineError|SettingsError
     */
    public static function accountInfo(array $params, string $action, string $address): array
    {
        $args = ['address' => $address] + Provisioning::mailboxArgs($params);
        return EngineClient::forParams($params, $action)->call('account_info', $args);
    }

    /** Whether the failed lookup says anything about the mailbox's mark, and what the admin can do. */
    private static function ownershipLine(\Throwable $error): string
    {
        if (!$error instanceof EngineError || $error->errorCode() !== EngineError::NOT_OWNED) {
            return 'Unknown (the mailbox could not be read)';
        }
        if ($error->reason() === EngineError::REASON_NO_MARK) {
            return 'No: the mailbox carries no WHMCS mark. If it is this customer\'s, press "Adopt existing mailbox".';
        }
        return 'No (' . $error->reason() . '): this service may not act on it; correct the service\'s username or Kerio user ID.';
    }

    /**
     * WHMCS runs the module's UsageUpdate from its daily cron only when Automation Settings > "Update
     * usage statistics" (setting UpdateStatsAuto) is ticked; while it is not, the stored disk usage
     * never changes, and the admin is told so.
     *
     * @return array<string, string>
     */
    private static function usageUpdatesNotice(): array
    {
        try {
            $on = (string) Capsule::table('tblconfiguration')->where('setting', 'UpdateStatsAuto')->value('value') === 'on';
        } catch (\Throwable $unreadable) {
            return [];
        }
        return $on ? [] : [self::USAGE_OFF_LABEL => self::escape('Off: WHMCS never updates this service\'s disk usage. '
            . 'Tick Configuration > System Settings > Automation Settings > "Update usage statistics" '
            . '(the daily cron then asks Kerio for every mailbox at once). The figures below are live.')];
    }

    /**
     * @param array<string, mixed> $info
     */
    private static function usageLine(array $info): string
    {
        $quota = (int) ($info['quota_mb'] ?? 0);
        $used = number_format((float) ($info['used_mb'] ?? 0), 1, '.', '');
        return $used . ' MB used of ' . ($quota === 0 ? 'unlimited' : $quota . ' MB');
    }

    private static function escape(string $text): string
    {
        return htmlspecialchars($text, ENT_QUOTES, 'UTF-8');
    }
}
