<?php

namespace WHMCS\Module\Server\kerioSingle;

use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * Named database locks (MySQL/MariaDB GET_LOCK) that serialise what Kerio cannot: it accepts a
 * duplicate address silently, and the engine's check ("who holds this address?") and write are two
 * calls, so two PHP workers must never run them for one address at once; and an alias or forwarding
 * change reads the mailbox's `emailAddresses` and writes the whole list back, so two changes of one
 * mailbox at once would lose one.
 *
 * - address lock (`address()`): the lower-cased full address; taken by CreateAccount for the new
 *   mailbox's address and by AddAlias for the alias;
 * - mailbox lock (`mailbox()`): the lower-cased mailbox address; taken by AddAlias, RemoveAlias and
 *   SetForwarding, always before an address lock (one order everywhere: no deadlock).
 *
 * Names are hashed to fit MySQL's 64 characters. A lock not granted within WAIT_SECONDS is a clear
 * "try again" (SettingsError), and nothing is done. On another database driver (the harness's
 * SQLite test runs; WHMCS itself always runs on MySQL/MariaDB) the work runs unlocked.
 */
final class NamedLock
{
    /** Seconds a change waits for another change of the same address or mailbox. */
    public const WAIT_SECONDS = 30;

    /** The lock of an address being given out (new mailbox or alias). */
    public static function address(string $address): string
    {
        return 'keriosingle_addr_' . sha1(strtolower(trim($address)));
    }

    /** The lock of one mailbox's alias and forwarding lists. */
    public static function mailbox(string $address): string
    {
        return 'keriosingle_mbox_' . sha1(strtolower(trim($address)));
    }

    /**
     * Runs $work while holding every lock of $names (taken in the given order, released in reverse).
     *
     * @template T
     * @param list<string>  $names       lock names from address()/mailbox()
     * @param callable(): T $work
     * @param int           $waitSeconds how long to wait for each lock
     * @return T what $work returns
     * @throws SettingsError when a lock is not granted within $waitSeconds (nothing was done)
     */
    public static function whileHolding(array $names, callable $work, int $waitSeconds = self::WAIT_SECONDS)
    {
        $db = Capsule::connection();
        if ($db->getDriverName() !== 'mysql') {
            return $work();
        }
        $held = [];
        try {
            foreach ($names as $name) {
                if ((int) $db->selectOne('SELECT GET_LOCK(?, ?) AS granted', [$name, $waitSeconds])->granted !== 1) {
                    throw new SettingsError('Another change of this address or mailbox is still running; please try again in a moment.');
                }
                $held[] = $name;
            }
            return $work();
        } finally {
            foreach (array_reverse($held) as $name) {
                $db->selectOne('SELECT RELEASE_LOCK(?) AS released', [$name]);
            }
        }
    }
}
