<?php

namespace WHMCS\Module\Server\kerioSingle;

use WHMCS\Database\Capsule;

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
    /** How long an alias add waits for a concurrent add of the same alias. */
    private const LOCK_WAIT_SECONDS = 30;

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
        if (KeptMail::availability(self::fullAlias($alias, Lifecycle::address($params)), (int) ($params['userid'] ?? 0)) === KeptMail::NOT_AVAILABLE) {
            throw new SettingsError(Lang::forParams($params)->get('ss_alias_not_available'));
        }
        self::whileHolding(self::aliasLockName($alias, Lifecycle::address($params)), static function () use ($params, $alias, $maxAliases): void {
            Provisioning::mailboxCall($params, 'AddAlias', 'add_alias', ['alias' => $alias, 'max_aliases' => $maxAliases]);
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
        Provisioning::mailboxCall($params, 'RemoveAlias', 'remove_alias', ['alias' => self::posted('alias', $params)]);
    }

    /**
     * Sets forwarding to `$_POST['forward_to']` (addresses separated by commas, spaces or line
     * breaks; empty = off), keeping a copy when `$_POST['keep_copy']` is `1`.
     *
     * @param array<string, mixed> $params
     * @throws SettingsError|EngineError
     */
    public static function setForwarding(array $params): void
    {
        self::activeService($params);
        $product = ProductSettings::fromParams($params);
        if (!$product->forwardingEnabled()) {
            throw new SettingsError(Lang::forParams($params)->get('ss_forwarding_not_offered'));
        }
        $targets = preg_split('/[\s,;]+/', self::posted('forward_to', $params), -1, PREG_SPLIT_NO_EMPTY) ?: [];
        Provisioning::mailboxCall($params, 'SetForwarding', 'set_forwarding', [
            'to' => $targets,
            'keep_copy' => self::posted('keep_copy', $params) !== '0',
            'max_targets' => $product->maxForwardTargets(),
        ]);
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

    /**
     * Runs $work while holding the database's named lock $name (MySQL/MariaDB GET_LOCK, released
     * after), so two customers of this WHMCS adding the same alias at once are serialised: Kerio
     * accepts duplicate addresses silently, and the engine's duplicate check only sees an alias
     * that is already written. Other databases (the SQLite test driver) run $work unlocked.
     *
     * @throws SettingsError when the lock is not granted within LOCK_WAIT_SECONDS
     */
    private static function whileHolding(string $name, callable $work): void
    {
        $db = Capsule::connection();
        if ($db->getDriverName() !== 'mysql') {
            $work();
            return;
        }
        if ((int) $db->selectOne('SELECT GET_LOCK(?, ?) AS granted', [$name, self::LOCK_WAIT_SECONDS])->granted !== 1) {
            throw new SettingsError('Another change of this alias is still running; please try again in a moment.');
        }
        try {
            $work();
        } finally {
            $db->selectOne('SELECT RELEASE_LOCK(?) AS released', [$name]);
        }
    }

    /** The lock name of an alias: the full lower-case address, hashed to fit MySQL's 64 characters. */
    private static function aliasLockName(string $alias, string $mailbox): string
    {
        return 'keriosingle_alias_' . sha1(strtolower(self::fullAlias($alias, $mailbox)));
    }

    /** The alias as a full address: a bare local part gets the mailbox's domain. */
    private static function fullAlias(string $alias, string $mailbox): string
    {
        return strpos($alias, '@') === false ? $alias . strrchr($mailbox, '@') : $alias;
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
