<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * Live mailbox data on the admin service page (the client area is lib/ClientArea.php).
 */
final class MailboxView
{
    /**
     * Rows for the admin service page (label => escaped HTML).
     *
     * @param array<string, mixed> $params
     * @return array<string, string>
     */
    public static function adminRows(array $params): array
    {
        $extra = self::selfServiceRows($params) + ['Plan' => self::escape(self::planLine($params))];
        try {
            $info = self::accountInfo($params, 'AdminServicesTabFields', Lifecycle::address($params));
        } catch (\Throwable $error) {
            return array_merge(['Kerio mailbox' => self::escape('Not available: ' . Lifecycle::errorText($error, $params))], $extra);
        }
        $lastLogin = $info['last_login'] ?? null;
        return array_merge([
            'Kerio mailbox' => self::escape((string) $info['address'] . ' (' . (string) $info['status'] . ')'),
            'Full name' => self::escape((string) ($info['full_name'] ?? '')),
            'Quota' => self::escape(self::usageLine($info)),
            'Items' => self::escape((string) ($info['items'] ?? 0)),
            'Last login' => self::escape($lastLogin === null ? 'never'
                : date('Y-m-d H:i', (int) $lastLogin) . ' (' . (string) ($info['last_login_protocol'] ?? '?') . ')'),
            'Aliases' => self::escape(implode(', ', (array) ($info['aliases'] ?? [])) ?: '—'),
        ], $extra);
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
     * The engine's `account_info` for an address of this service (its `service_id`: the engine's ownership rule),
     * logged under the given module action.
     *
     * @param array<string, mixed> $params
     * @return array<string, mixed>
     * @throws EngineError|SettingsError
     */
    public static function accountInfo(array $params, string $action, string $address): array
    {
        return EngineClient::forParams($params, $action)->call('account_info', ['address' => $address, 'service_id' => (int) ($params['serviceid'] ?? 0)]);
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
