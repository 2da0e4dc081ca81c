<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The multi-step module functions: create and change package (usage update and server sync: ServerSync).
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
        $fields = (array) ($params['customfields'] ?? []);
        $password = self::orderPassword($params);
        $result = EngineClient::forParams($params, 'CreateAccount')->call('create_account', self::withoutNulls([
            'localpart' => (string) ($fields[CustomFields::LOCALPART] ?? ''),
            'domain' => (string) ($fields[CustomFields::MAILDOMAIN] ?? ''),
            'password' => $password,
            'givenname' => (string) ($fields[CustomFields::GIVENNAME] ?? ''),
            'surname' => (string) ($fields[CustomFields::SURNAME] ?? ''),
            'quota_mb' => self::requestedQuota($fields, $product),
            'service_id' => (int) $params['serviceid'],
            'allowed_domains' => $product->domains(),
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
     * Applies the new product's quota. A downgrade (smaller than the quota stored for the service)
     * is refused by the engine when it is below live usage, unless the product allows it; an upgrade
     * is always applied, even when the mailbox is still over it.
     *
     * @param array<string, mixed> $params params of the service with the NEW product's configoptions
     * @throws EngineError|SettingsError
     */
    public static function changePackage(array $params): void
    {
        $product = ProductSettings::fromParams($params);
        $newQuota = $product->quotaMb();
        $allowBelowUsage = $product->allowDowngradeBelowUsage()
            || !self::isDowngrade(self::storedQuota($params), $newQuota);
        $result = self::mailboxCall($params, 'ChangePackage', 'change_package', [
            'quota_mb' => $newQuota,
            'allow_downgrade_below_usage' => $allowBelowUsage,
        ]);
        self::updateQuota($params, (int) $result['quota_mb']);
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
     * The admin's per-service quota (admin-only field) if set, else the product's quota.
     *
     * @param array<string, mixed> $fields
     * @throws SettingsError
     */
    private static function requestedQuota(array $fields, ProductSettings $product): int
    {
        $preset = trim((string) ($fields[CustomFields::QUOTA] ?? ''));
        if ($preset === '') {
            return $product->quotaMb();
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
