<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The multi-step module functions: create, change package, usage update, server sync.
 * Each engine call either succeeds or throws; WHMCS records are written only after the engine confirmed.
 */
final class Provisioning
{
    /**
     * Creates the mailbox from the order-form fields, then moves address, domain and password into the
     * service and records the applied quota.
     *
     * @param array<string, mixed> $params
     * @throws EngineError|SettingsError
     */
    public static function create(array $params): void
    {
        $product = ProductSettings::fromParams($params);
        $limits = ServiceLimits::fromParams($params);
        $fields = (array) ($params['customfields'] ?? []);
        $password = self::orderPassword($params);
        $result = EngineClient::forParams($params, 'CreateAccount')->call('create_account', self::withoutNulls([
            'localpart' => (string) ($fields[CustomFields::LOCALPART] ?? ''),
            'domain' => (string) ($fields[CustomFields::MAILDOMAIN] ?? ''),
            'password' => $password,
            'givenname' => (string) ($fields[CustomFields::GIVENNAME] ?? ''),
            'surname' => (string) ($fields[CustomFields::SURNAME] ?? ''),
            'quota_mb' => self::requestedQuota($fields, $limits),
            'service_id' => (int) $params['serviceid'],
            'allowed_domains' => self::orderableDomains((int) $params['pid'], $product),
            'min_password_length' => $product->passwordMinLength(),
        ]), [$password]);
        $address = (string) $result['address'];
        $serviceId = (int) $params['serviceid'];
        ServiceRepository::recordMailbox($serviceId, $address, self::domainOf($address), $password);
        CustomFields::setValue((int) $params['pid'], $serviceId, CustomFields::PASSWORD, '');
        self::recordKerioId($params, (string) $result['id']);
        self::updateQuota($params, (int) $result['quota_mb']);
    }

    /**
     * Runs a mailbox operation (suspend, unsuspend, terminate, change_password, change_package) on the
     * service's mailbox: adds its address, the service id (ownership guard) and the Kerio user id stored
     * at create (`user_id`, so the engine can skip the address lookup), and stores the id the engine
     * reports when it differs (a service created before ids were kept, or a stale id).
     *
     * @param array<string, mixed> $params
     * @param array<string, mixed> $args   the operation's other arguments
     * @return array<string, mixed> the engine's result
     * @throws EngineError|SettingsError
     */
    public static function mailboxCall(array $params, string $action, string $op, array $args = []): array
    {
        $serviceId = (int) $params['serviceid'];
        $storedId = trim(CustomFields::latestServiceValue($serviceId, CustomFields::KERIO_ID));
        $args = ['address' => Lifecycle::address($params), 'service_id' => $serviceId] + $args;
        if ($storedId !== '') {
            $args['user_id'] = $storedId;
        }
        $result = EngineClient::forParams($params, $action)->call($op, $args);
        $reportedId = (string) ($result['user_id'] ?? '');
        if ($reportedId !== '' && $reportedId !== $storedId) {
            self::recordKerioId($params, $reportedId);
        }
        return $result;
    }

    /**
     * Applies the new product's quota, or the quota its Configurable Options give (ServiceLimits).
     * A downgrade (smaller than the quota stored for the service) is refused by the engine when it is
     * below live usage, unless the product allows it; an upgrade is always applied, even when the
     * mailbox is still over it. When the product sells aliases, a new alias limit below the mailbox's
     * aliases is refused before anything changes, naming the aliases.
     *
     * @param array<string, mixed> $params params of the service with the NEW product's configoptions
     * @throws EngineError|SettingsError
     */
    public static function changePackage(array $params): void
    {
        $product = ProductSettings::fromParams($params);
        $limits = ServiceLimits::fromParams($params);
        $newQuota = $limits->quotaMb();
        if ($limits->sellsAliases()) {
            self::refuseAliasesAboveLimit($params, $limits->maxAliases());
        }
        $allowBelowUsage = $product->allowDowngradeBelowUsage()
            || !self::isDowngrade(self::storedQuota($params), $newQuota);
        $result = self::mailboxCall($params, 'ChangePackage', 'change_package', [
            'quota_mb' => $newQuota,
            'allow_downgrade_below_usage' => $allowBelowUsage,
        ]);
        self::updateQuota($params, (int) $result['quota_mb']);
    }

    /**
     * Fetches usage of every Active/Suspended mailbox of this module on the server in one engine call
     * and writes diskusage/disklimit (MB, rounded to whole MB) and lastupdate.
     *
     * The engine is asked for the compact answer (docs/bridge-protocol.md, `usage`): one
     * `[used MB, limit MB]` per address at the address's position, already in whole MB, so
     * 10,000 services move and decode about a seventh of the bytes and need no address lookup.
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
        $result = EngineClient::forParams($params, 'UsageUpdate')
            ->call('usage', ['addresses' => array_values($mailboxes), 'compact' => true]);
        $usageByService = [];
        foreach ((array) ($result['usage'] ?? []) as $position => $figures) {
            if (is_array($figures) && isset($serviceIds[$position])) {
                $usageByService[$serviceIds[$position]] = $figures;
            }
        }
        ServiceRepository::writeUsage($usageByService, date('Y-m-d H:i:s'));
        return count($usageByService);
    }

    /**
     * The admin's "Refresh usage" button: this service's mailbox only, one `usage` call (compact
     * answer), written to diskusage/disklimit/lastupdate like the daily cron does.
     *
     * @param array<string, mixed> $params
     * @return array{0: int, 1: int} [used MB, limit MB (0 = unlimited)]
     * @throws EngineError|SettingsError
     * @throws \RuntimeException when the Kerio server has no such mailbox
     */
    public static function refreshUsage(array $params): array
    {
        $address = Lifecycle::address($params);
        $result = EngineClient::forParams($params, 'RefreshUsage')->call('usage', ['addresses' => [$address], 'compact' => true]);
        $figures = ((array) ($result['usage'] ?? []))[0] ?? null;
        if (!is_array($figures)) {
            throw new \RuntimeException('The mailbox ' . $address . ' was not found on the Kerio server; check the service\'s username.');
        }
        $usage = [(int) $figures[0], (int) $figures[1]];
        ServiceRepository::writeUsage([(int) $params['serviceid'] => $usage], date('Y-m-d H:i:s'));
        return $usage;
    }

    /**
     * The mailboxes on the server in WHMCS's server-sync shape.
     *
     * Kerio's user records carry no creation time, so `created` is the moment of the sync. Kerio has no
     * plans either: `product` is the quota in MB, matched by WHMCS against configoption2 (quota_mb,
     * MetaData ListAccountsProductField).
     *
     * @param array<string, mixed> $params server params only
     * @return list<array<string, string>>
     * @throws EngineError|SettingsError
     */
    public static function listAccounts(array $params): array
    {
        $result = EngineClient::forParams($params, 'ListAccounts')->call('list_accounts', []);
        $now = date('Y-m-d H:i:s');
        $accounts = [];
        foreach ((array) ($result['accounts'] ?? []) as $account) {
            $address = (string) $account['address'];
            $accounts[] = [
                'name' => $address,
                'email' => $address,
                'username' => $address,
                'domain' => self::domainOf($address),
                'uniqueIdentifier' => $address,
                'product' => (string) (int) ($account['quota_mb'] ?? 0),
                'primaryip' => '',
                'created' => $now,
                'status' => ($account['status'] ?? '') === 'suspended' ? 'Suspended' : 'Active',
            ];
        }
        return $accounts;
    }

    /**
     * Stores the quota now applied to the mailbox in the admin-only `quota` custom field.
     *
     * @param array<string, mixed> $params
     */
    public static function recordQuota(array $params, int $quotaMb): void
    {
        CustomFields::setValue((int) $params['pid'], (int) $params['serviceid'], CustomFields::QUOTA, (string) $quotaMb);
    }

    /**
     * Stores the mailbox's Kerio user id in the admin-only `kerio_id` custom field.
     *
     * @param array<string, mixed> $params
     */
    private static function recordKerioId(array $params, string $kerioId): void
    {
        CustomFields::setValue((int) $params['pid'], (int) $params['serviceid'], CustomFields::KERIO_ID, $kerioId);
    }

    /**
     * Runs kerioSingleUpdateQuota after the engine applied a quota.
     *
     * @param array<string, mixed> $params
     * @throws \RuntimeException when the quota could not be recorded (a retry is safe: create is idempotent)
     */
    private static function updateQuota(array $params, int $quotaMb): void
    {
        $outcome = kerioSingleUpdateQuota($params, $quotaMb);
        if ($outcome !== 'success') {
            throw new \RuntimeException('The mailbox was changed, but recording its quota in WHMCS failed: ' . $outcome);
        }
    }

    /**
     * The password chosen on the order form (read unabridged from the table); on a retried create,
     * after it was moved, the service password.
     *
     * @param array<string, mixed> $params
     */
    private static function orderPassword(array $params): string
    {
        $fromOrder = CustomFields::value((int) $params['pid'], (int) $params['serviceid'], CustomFields::PASSWORD);
        return $fromOrder !== '' ? $fromOrder : (string) ($params['password'] ?? '');
    }

    /**
     * The domains a new mailbox of the product may use (lib/CustomFields.php offeredDomains): with the
     * product's Domains setting empty, only what the Domain dropdown offered, so a hand-posted
     * `maildomain` cannot reach another domain on the server.
     *
     * @return list<string>
     * @throws SettingsError when the product offers no domain at all
     */
    private static function orderableDomains(int $productId, ProductSettings $product): array
    {
        $offered = CustomFields::offeredDomains($productId, $product);
        if ($offered === []) {
            throw new SettingsError(
                'The product offers no mail domain: enter its domains in the product\'s Module Settings (Domains), '
                . 'or save the Module Settings while the Kerio server answers so the Domain dropdown lists its domains.'
            );
        }
        return $offered;
    }

    /**
     * Refuses a package change whose alias limit is below the aliases the mailbox already has.
     *
     * @param array<string, mixed> $params
     * @throws SettingsError naming the aliases to remove first
     * @throws EngineError
     */
    private static function refuseAliasesAboveLimit(array $params, int $maxAliases): void
    {
        $aliases = array_map('strval', (array) (self::mailboxCall($params, 'ChangePackage', 'account_info')['aliases'] ?? []));
        if (count($aliases) > $maxAliases) {
            throw new SettingsError(
                'The new package allows ' . $maxAliases . ' alias(es), but the mailbox has ' . count($aliases) . ': '
                . implode(', ', $aliases) . '. Remove ' . (count($aliases) - $maxAliases) . ' of them first, then repeat the change.'
            );
        }
    }

    /**
     * The admin's per-service quota (admin-only field) if set, else the service's quota (product
     * setting or Configurable Options).
     *
     * @param array<string, mixed> $fields
     * @throws SettingsError
     */
    private static function requestedQuota(array $fields, ServiceLimits $limits): int
    {
        $preset = trim((string) ($fields[CustomFields::QUOTA] ?? ''));
        if ($preset === '') {
            return $limits->quotaMb();
        }
        if (!ctype_digit($preset)) {
            throw new SettingsError('The service field "Quota (MB)" must be a whole number or empty (it is "' . $preset . '").');
        }
        return (int) $preset;
    }

    /**
     * The quota recorded for the service (by whichever product it had), or null when none was recorded.
     *
     * @param array<string, mixed> $params
     */
    private static function storedQuota(array $params): ?int
    {
        $stored = trim(CustomFields::latestServiceValue((int) $params['serviceid'], CustomFields::QUOTA));
        return ctype_digit($stored) ? (int) $stored : null;
    }

    /** True when the new quota is smaller than the stored one (0 = unlimited; unknown counts as a downgrade). */
    private static function isDowngrade(?int $storedQuota, int $newQuota): bool
    {
        if ($newQuota === 0) {
            return false;
        }
        return $storedQuota === null || $storedQuota === 0 || $newQuota < $storedQuota;
    }

    private static function domainOf(string $address): string
    {
        $at = strrpos($address, '@');
        return $at === false ? '' : substr($address, $at + 1);
    }

    /**
     * @param array<string, mixed> $args
     * @return array<string, mixed>
     */
    private static function withoutNulls(array $args): array
    {
        return array_filter($args, static fn ($value): bool => $value !== null);
    }
}
