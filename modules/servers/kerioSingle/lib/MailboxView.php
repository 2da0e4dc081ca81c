<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * Live mailbox data for the client area and the admin service page.
 */
final class MailboxView
{
    /**
     * Template variables of the client area overview. When Kerio cannot be reached the page still
     * renders with `error` set and the data stored in WHMCS.
     *
     * @param array<string, mixed> $params
     * @return array<string, mixed>
     */
    public static function clientAreaVariables(array $params): array
    {
        $lang = Lang::forParams($params);
        $variables = [
            'lang' => $lang->all(),
            'address' => (string) ($params['username'] ?? ''),
            'status' => (string) ($params['status'] ?? ''),
            'ssoEnabled' => ProductSettings::fromParams($params)->ssoEnabled(),
            'usage' => '',
            'error' => '',
        ];
        if ($variables['address'] === '') {
            return $variables;
        }
        try {
            $variables['usage'] = self::clientUsageLine($lang, self::accountInfo($params, 'ClientArea'));
        } catch (\Throwable $error) {
            $variables['error'] = $lang->get('mailboxUnavailable');
        }
        return $variables;
    }

    /**
     * Rows for the admin service page (label => escaped HTML).
     *
     * @param array<string, mixed> $params
     * @return array<string, string>
     */
    public static function adminRows(array $params): array
    {
        try {
            $info = self::accountInfo($params, 'AdminServicesTabFields');
        } catch (\Throwable $error) {
            $reason = $error instanceof EngineError ? $error->describe() : $error->getMessage();
            return ['Kerio mailbox' => self::escape('Not available: ' . $reason)];
        }
        $lastLogin = $info['last_login'] ?? null;
        return [
            'Kerio mailbox' => self::escape((string) $info['address'] . ' (' . (string) $info['status'] . ')'),
            'Full name' => self::escape((string) ($info['full_name'] ?? '')),
            'Quota' => self::escape(self::usageLine($info)),
            'Items' => self::escape((string) ($info['items'] ?? 0)),
            'Last login' => self::escape($lastLogin === null ? 'never'
                : date('Y-m-d H:i', (int) $lastLogin) . ' (' . (string) ($info['last_login_protocol'] ?? '?') . ')'),
            'Aliases' => self::escape(implode(', ', (array) ($info['aliases'] ?? [])) ?: '—'),
        ];
    }

    /**
     * @param array<string, mixed> $params
     * @return array<string, mixed>
     * @throws EngineError|SettingsError
     */
    private static function accountInfo(array $params, string $action): array
    {
        return EngineClient::forParams($params, $action)
            ->call('account_info', ['address' => Lifecycle::address($params)]);
    }

    /**
     * The client's storage line, e.g. "12.5 MB of 2048 MB used".
     *
     * @param array<string, mixed> $info
     */
    private static function clientUsageLine(Lang $lang, array $info): string
    {
        $quota = (int) ($info['quota_mb'] ?? 0);
        $used = number_format((float) ($info['used_mb'] ?? 0), 1, '.', '');
        return $quota === 0 ? $lang->get('usedUnlimited', $used) : $lang->get('usedOf', $used, $quota);
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
