<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The customer's own changes from the client area (issue 12): add or remove an alias, set or turn
 * off forwarding. Each is a WHMCS custom module function (`modop=custom&a=AddAlias`, …), which
 * WHMCS 8 routes without a CSRF check, so kerioSingleSelfService checks WHMCS's token first; then the
 * service must be Active and the product must offer the feature; only then is the engine asked,
 * always for this service's own mailbox (service id, stored Kerio id; the engine's ownership rule).
 */
final class SelfService
{
    /** Longest alias or forwarding list the module passes on (anything longer is refused here). */
    private const MAX_INPUT_BYTES = 2048;

    /**
     * Adds `$_POST['alias']` (local part or full address); an address whose kept mail is another
     * client's (lib/KeptMail.php) is "not available".
     *
     * @param array<string, mixed> $params
     * @throws SettingsError|EngineError with the reason to show
     */
    public static function addAlias(array $params): void
    {
        $limits = self::activeService($params);
        $maxAliases = $limits->maxAliases();
        if ($maxAliases === 0) {
            throw new SettingsError(Lang::forParams($params)->get('ss_aliases_not_offered'));
        }
        $alias = self::posted('alias', $params);
        $mailbox = Lifecycle::address($params);
        $address = self::fullAlias($alias, $mailbox);
        if (KeptMail::availability($address, (int) ($params['userid'] ?? 0)) === KeptMail::NOT_AVAILABLE) {
            throw new SettingsError(Lang::forParams($params)->get('ss_alias_not_available'));
        }
        $locks = [NamedLock::mailbox($mailbox), NamedLock::address($address)];
        NamedLock::whileHolding($locks, static function () use ($params, $alias, $maxAliases): void {
            Provisioning::mailboxCall($params, 'AddAlias', 'add_alias', array_filter(['alias' => $alias, 'max_aliases' => $maxAliases, 'reserved_localparts' => ProductSettings::fromParams($params)->reservedNames()], static fn ($value): bool => $value !== null));
        });
    }

    /**
     * Removes `$_POST['alias']`; one that is not there is success.
     *
     * @param array<string, mixed> $params
     * @throws SettingsError|EngineError
     */
    public static function removeAlias(array $params): void
    {
        self::activeService($params);
        $alias = self::posted('alias', $params);
        NamedLock::whileHolding([NamedLock::mailbox(Lifecycle::address($params))], static function () use ($params, $alias): void {
            Provisioning::mailboxCall($params, 'RemoveAlias', 'remove_alias', ['alias' => $alias]);
        });
    }

    /**
     * Sets forwarding to `$_POST['forward_to']` (addresses separated by commas, spaces or line
     * breaks; empty = off), keeping a copy when `$_POST['keep_copy']` is `1`. At most
     * ForwardingChanges' limit of changes per hour; each change is written to the activity log with
     * the old and the new targets.
     *
     * @param array<string, mixed> $params
     * @throws SettingsError|EngineError
     */
    public static function setForwarding(array $params): void
    {
        self::activeService($params);
        $args = self::forwardingArgs($params);
        $serviceId = (int) $params['serviceid'];
        $perHour = ServerSettings::fromParams($params)->forwardingChangesPerHour();
        NamedLock::whileHolding([NamedLock::mailbox(Lifecycle::address($params))], static function () use ($params, $args, $serviceId, $perHour): void {
            ForwardingChanges::requireAllowed($serviceId, $perHour, Lang::forParams($params));
            $result = Provisioning::mailboxCall($params, 'SetForwarding', 'set_forwarding', $args);
            if (($result['changed'] ?? false) === true) {
                ForwardingChanges::record($serviceId);
                self::logForwardingChange($params, $result);
            }
        });
    }

    /**
     * The `set_forwarding` arguments from the posted form and the product's limit.
     *
     * @param array<string, mixed> $params
     * @return array{to: list<string>, keep_copy: bool, max_targets: int}
     * @throws SettingsError when the product offers no forwarding or the entry is too long
     */
    private static function forwardingArgs(array $params): array
    {
        $product = ProductSettings::fromParams($params);
        if (!$product->forwardingEnabled()) {
            throw new SettingsError(Lang::forParams($params)->get('ss_forwarding_not_offered'));
        }
        return [
            'to' => preg_split('/[\s,;]+/', self::posted('forward_to', $params), -1, PREG_SPLIT_NO_EMPTY) ?: [],
            'keep_copy' => self::posted('keep_copy', $params) !== '0',
            'max_targets' => $product->maxForwardTargets(),
        ];
    }

    /**
     * One activity-log line for a forwarding change: the mailbox, the old and the new targets.
     *
     * @param array<string, mixed> $params
     * @param array<string, mixed> $result the engine's set_forwarding answer
     */
    private static function logForwardingChange(array $params, array $result): void
    {
        $list = static function ($targets): string {
            $targets = array_map('strval', (array) $targets);
            return $targets === [] ? 'off' : implode(', ', $targets);
        };
        $copy = ($result['forward_to'] ?? []) === [] ? '' : ((($result['keep_copy'] ?? true) === true) ? ' (copy kept)' : ' (no copy kept)');
        logActivity(
            'kerioSingle: forwarding of ' . (string) ($result['address'] ?? '') . ' changed from ' . $list($result['forward_to_before'] ?? [])
                . ' to ' . $list($result['forward_to'] ?? []) . $copy . ' - Service ID: ' . (int) $params['serviceid'],
            (int) ($params['userid'] ?? 0)
        );
    }

    /**
     * The aliases and forwarding of the service's mailbox for the client area and admin tab, or
     * null when the product offers neither.
     *
     * @param array<string, mixed> $params
     * @return array<string, mixed>|null the engine's `aliases` answer
     * @throws SettingsError|EngineError
     */
    public static function state(array $params, string $action): ?array
    {
        $limits = ServiceLimits::fromParams($params);
        if ($limits->maxAliases() === 0 && !ProductSettings::fromParams($params)->forwardingEnabled()) {
            return null;
        }
        return Provisioning::mailboxCall($params, $action, 'aliases');
    }

    /** The alias as a full lower-case address (a bare local part gets the mailbox's domain). */
    private static function fullAlias(string $alias, string $mailbox): string
    {
        return strtolower(strpos($alias, '@') === false ? $alias . strrchr($mailbox, '@') : $alias);
    }

    /**
     * Checks that the service is Active (the CSRF token was checked by the caller,
     * kerioSingleSelfService); returns its limits.
     *
     * @param array<string, mixed> $params
     * @throws SettingsError naming why the change is not possible now
     */
    private static function activeService(array $params): ServiceLimits
    {
        $status = strtolower((string) ($params['status'] ?? ''));
        if ($status !== 'active') {
            $reason = $status === 'suspended' ? 'ss_refused_suspended' : 'ss_refused_closed';
            throw new SettingsError(Lang::forParams($params)->get($reason));
        }
        return ServiceLimits::fromParams($params);
    }

    /**
     * A posted value as the customer typed it (WHMCS HTML-encodes request values).
     *
     * @param array<string, mixed> $params
     * @throws SettingsError when it is not text or longer than MAX_INPUT_BYTES
     */
    private static function posted(string $name, array $params): string
    {
        $value = $_POST[$name] ?? '';
        if (!is_string($value) || strlen($value) > self::MAX_INPUT_BYTES) {
            throw new SettingsError(Lang::forParams($params)->get('ss_input_too_long', ['max' => (string) self::MAX_INPUT_BYTES]));
        }
        return trim(html_entity_decode($value, ENT_QUOTES, 'UTF-8'));
    }
}
