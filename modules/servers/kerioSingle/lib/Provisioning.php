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
        $limits = ServiceLimits::fromParams($params);
        $fields = (array) ($params['customfields'] ?? []);
        $requested = (string) ($fields[CustomFields::LOCALPART] ?? '') . '@' . (string) ($fields[CustomFields::MAILDOMAIN] ?? '');
        KeptMail::refuseForOtherClient($params, $requested);
        $password = self::orderPassword($params);
        $args = self::withoutNulls([
            'localpart' => (string) ($fields[CustomFields::LOCALPART] ?? ''),
            'domain' => (string) ($fields[CustomFields::MAILDOMAIN] ?? ''),
            'password' => $password,
            'givenname' => (string) ($fields[CustomFields::GIVENNAME] ?? ''),
            'surname' => (string) ($fields[CustomFields::SURNAME] ?? ''),
            'quota_mb' => self::requestedQuota($fields, $limits),
            'service_id' => (int) $params['serviceid'],
            'allowed_domains' => self::orderableDomains((int) $params['pid'], $product),
            'min_password_length' => $product->passwordMinLength(),
            'reserved_localparts' => $product->reservedNames(),
        ]);
        // The address lock (NamedLock) around the engine's check and create: an AddAlias or another
        // order of the same address waits until this mailbox exists, and then sees it taken.
        $result = NamedLock::whileHolding(
            [NamedLock::address(trim($args['localpart']) . '@' . trim($args['domain']))],
            static fn (): array => EngineClient::forParams($params, 'CreateAccount')->call('create_account', $args, [$password])
        );
        $address = (string) $result['address'];
        $serviceId = (int) $params['serviceid'];
        ServiceRepository::recordMailbox($serviceId, $address, self::domainOf($address), $password);
        CustomFields::setValue((int) $params['pid'], $serviceId, CustomFields::PASSWORD, '');
        self::recordKerioId($params, (string) $result['id']);
        self::updateQuota($params, (int) $result['quota_mb']);
        KeptMail::restored($params, $address);
    }

    /**
     * Terminates the mailbox as the product's "On terminate" says; with mode keep the address is
     * recorded as kept (lib/KeptMail.php) for the product's "Keep terminated mail (days)", read
     * before anything changes so a bad setting changes nothing.
     *
     * @param array<string, mixed> $params
     * @throws EngineError|SettingsError
     */
    public static function terminate(array $params): void
    {
        $product = ProductSettings::fromParams($params);
        $args = ['mode' => $product->terminateMode()];
        $keptDays = $args['mode'] === ProductSettings::TERMINATE_KEEP ? $product->keptMailDays() : null;
        if ($product->archiveMailbox() !== null) {
            $args['archive_mailbox'] = $product->archiveMailbox();
        }
        self::mailboxCall($params, 'TerminateAccount', 'terminate', $args);
        PlanState::forget((int) $params['serviceid']);
        if ($keptDays !== null) {
            KeptMail::record($params, $keptDays);
        }
    }

    /**
     * The arguments that name the service's mailbox to the engine's mailbox ops (docs/bridge-protocol.md
     * "Ownership"): its address, the service id and the product's Domains (`allowed_domains`, [] = no
     * restriction) the engine checks ownership against, and the Kerio user id stored at create
     * (`user_id`, a shortcut to the account that never skips the check).
     *
     * @param array<string, mixed> $params
     * @return array<string, mixed>
     * @throws SettingsError when the service has no mailbox address yet
     */
    public static function mailboxArgs(array $params): array
    {
        $args = [
            'address' => Lifecycle::address($params),
            'service_id' => (int) $params['serviceid'],
            'allowed_domains' => ProductSettings::fromParams($params)->domains(),
        ];
        $storedId = self::storedKerioId($params);
        if ($storedId !== '') {
            $args['user_id'] = $storedId;
        }
        return $args;
    }

    /**
     * Runs a mailbox operation (suspend, unsuspend, terminate, change_password, change_package, adopt)
     * on the service's mailbox (mailboxArgs; a key in $args, e.g. adopt's `allowed_domains`, replaces
     * it), and stores the Kerio user id the engine reports when it differs from the stored one (a
     * service created before ids were kept, a stale id, an adoption).
     *
     * @param array<string, mixed> $params
     * @param array<string, mixed> $args   the operation's other arguments
     * @return array<string, mixed> the engine's result
     * @throws EngineError|SettingsError
     */
    public static function mailboxCall(array $params, string $action, string $op, array $args = []): array
    {
        $mailbox = self::mailboxArgs($params);
        $result = EngineClient::forParams($params, $action)->call($op, $args + $mailbox);
        $reportedId = (string) ($result['user_id'] ?? '');
        if ($reportedId !== '' && $reportedId !== ($mailbox['user_id'] ?? '')) {
            self::recordKerioId($params, $reportedId);
        }
        return $result;
    }

    /**
     * "Adopt existing mailbox": marks the mailbox named by the service's username as this service's
     * (engine op `adopt`: only a plain user without another service's mark, in the domains the product
     * offers: its Domains setting, or when that is empty the Domain dropdown's list, never "any
     * domain"), records its Kerio user id in `kerio_id` and writes what was done to the activity log.
     *
     * @param array<string, mixed> $params
     * @throws EngineError|SettingsError SettingsError before Kerio is asked when the product offers no domain
     */
    public static function adopt(array $params): void
    {
        $offered = CustomFields::offeredDomains((int) $params['pid'], ProductSettings::fromParams($params));
        if ($offered === []) {
            throw new SettingsError(
                'Nothing was adopted: the product offers no mail domain, so no mailbox can be checked against it. '
                . 'Set the product\'s Domains first (Setup > Products/Services > Module Settings), then press "Adopt existing mailbox" again.'
            );
        }
        $result = self::mailboxCall($params, 'AdoptMailbox', 'adopt', ['allowed_domains' => $offered]);
        $serviceId = (int) $params['serviceid'];
        $what = ($result['adopted'] ?? false) === true
            ? 'marked as this service\'s mailbox (WHMCS service #' . $serviceId . ')'
            : 'already was this service\'s mailbox; nothing changed on Kerio';
        logActivity(
            'kerioSingle: Kerio mailbox ' . (string) $result['address'] . ' ' . $what
                . '; Kerio user ID ' . (string) $result['user_id'] . ' recorded - Service ID: ' . $serviceId,
            (int) ($params['userid'] ?? 0)
        );
    }

    /**
     * Applies the new plan (the hosting-panel convention: what exists stays, nothing new beyond the
     * plan): the new product's quota, or the quota its Configurable Options give (ServiceLimits); a
     * downgrade (smaller than the quota stored for the service) is refused by the engine when it is
     * below live usage, unless the product allows it, and the refusal is flagged (PlanState) for the
     * admin tab and the client area; an upgrade is always applied, even when the mailbox is still over
     * it. Forwarding the new plan does not offer is turned off, more targets than it allows are cut to
     * the first ones (activity log, client area). Aliases above the new limit stay (removing an
     * address bounces other people's mail): AddAlias is refused until the mailbox is within the plan,
     * and staff may press "Remove aliases over the plan". One engine call, at most 4 exchanges.
     *
     * @param array<string, mixed> $params params of the service with the NEW product's configoptions
     * @throws EngineError|SettingsError
     */
    public static function changePackage(array $params): void
    {
        $result = self::applyPlan($params);
        self::updateQuota($params, (int) $result['quota_mb']);
        $dropped = array_values(array_map('strval', (array) ($result['forwarding_dropped'] ?? [])));
        PlanState::changed((int) $params['serviceid'], $dropped);
        if ($dropped !== []) {
            $kept = array_values(array_map('strval', (array) ($result['forward_to'] ?? [])));
            $what = 'the new plan does not pay for forwarding to ' . implode(', ', $dropped)
                . '; it was turned off (still forwarded to: ' . (implode(', ', $kept) ?: 'none') . ')';
            (new ModuleLog('ChangePackage', []))->note(['forwarding_dropped' => $dropped, 'forward_to' => $kept], ucfirst($what) . '.');
            logActivity('kerioSingle: ' . $what . ' - Service ID: ' . (int) $params['serviceid'], (int) ($params['userid'] ?? 0));
        }
    }

    /**
     * The engine's `change_package` with the new plan's quota and forwarding; a refusal because the
     * mailbox uses more than the new quota is flagged for the admin and the customer first.
     *
     * @param array<string, mixed> $params
     * @return array<string, mixed> the engine's answer
     * @throws EngineError|SettingsError
     */
    private static function applyPlan(array $params): array
    {
        $product = ProductSettings::fromParams($params);
        $newQuota = ServiceLimits::fromParams($params)->quotaMb();
        $storedQuota = self::storedQuota($params);
        try {
            return self::mailboxCall($params, 'ChangePackage', 'change_package', [
                'quota_mb' => $newQuota,
                'allow_downgrade_below_usage' => $product->allowDowngradeBelowUsage() || !self::isDowngrade($storedQuota, $newQuota),
                'forwarding' => $product->forwardingEnabled(),
                'max_forward_targets' => $product->maxForwardTargets(),
            ]);
        } catch (EngineError $error) {
            if ($error->errorCode() === EngineError::QUOTA_BELOW_USAGE) {
                PlanState::refusedDowngrade((int) $params['serviceid'], $storedQuota, $newQuota);
            }
            throw $error;
        }
    }

    /**
     * "Remove aliases over the plan": removes the aliases above the service's alias limit, newest
     * first (the end of Kerio's emailAddresses, where AddAlias appends), and writes which to the
     * activity log.
     *
     * @param array<string, mixed> $params
     * @return list<string> the aliases removed
     * @throws EngineError|SettingsError
     */
    public static function trimAliases(array $params): array
    {
        $maxAliases = ServiceLimits::fromParams($params)->maxAliases();
        $result = self::mailboxCall($params, 'TrimAliases', 'trim_aliases', ['max_aliases' => $maxAliases]);
        $removed = array_values(array_map('strval', (array) ($result['removed'] ?? [])));
        logActivity('kerioSingle: aliases over the plan (' . $maxAliases . ' allowed) '
            . ($removed === [] ? 'none; nothing removed' : 'removed, newest first: ' . implode(', ', $removed))
            . ' - Service ID: ' . (int) $params['serviceid'], (int) ($params['userid'] ?? 0));
        return $removed;
    }

    /**
     * The admin's "Refresh usage" button: this service's mailbox only, checked by the ownership rule
     * (engine op `account_usage`), written to diskusage/disklimit/lastupdate like the daily cron does.
     *
     * @param array<string, mixed> $params
     * @return array{0: int, 1: int} [used MB, limit MB (0 = unlimited)]
     * @throws EngineError|SettingsError (not_owned for another account, not_found without one)
     */
    public static function refreshUsage(array $params): array
    {
        $result = self::mailboxCall($params, 'RefreshUsage', 'account_usage');
        $usage = [(int) ($result['used_mb'] ?? 0), (int) ($result['limit_mb'] ?? 0)];
        ServiceRepository::writeUsage([(int) $params['serviceid'] => $usage], date('Y-m-d H:i:s'));
        return $usage;
    }

    /**
     * "Purge kept mail now": purges the mail kept for this terminated service's address on its server.
     *
     * @param array<string, mixed> $params
     * @throws SettingsError when nothing is kept for the service
     * @throws EngineError when Kerio refused (e.g. a mailbox holds the address now) or failed
     */
    public static function purgeKeptMail(array $params): void
    {
        $row = KeptMail::ofService((int) $params['serviceid']);
        if ($row === null) {
            throw new SettingsError(
                'No kept mail is recorded for this service: only a service terminated with "On terminate: keep" has some, '
                . 'until it is purged or the same client orders the address again.'
            );
        }
        KeptMail::purge($row, EngineClient::forParams($params, 'PurgeKeptMail'));
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
     * The Kerio user id stored for the service ('' when none).
     *
     * @param array<string, mixed> $params
     */
    private static function storedKerioId(array $params): string
    {
        return trim(CustomFields::latestServiceValue((int) $params['serviceid'], CustomFields::KERIO_ID));
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
        $fromOrder = CustomFields::orderPassword((int) $params['pid'], (int) $params['serviceid']);
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
            throw new SettingsError('The service field "Quota (MB)" must be a whole number or empty (it is ' . SettingsError::quote($preset) . ').');
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
