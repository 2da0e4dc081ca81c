<?php

namespace KerioSingle\Harness;

/**
 * The WHMCS 8 login state of the current request, kept in $_SESSION under the keys WHMCS uses
 * [I]: `uid` (the client account being managed), `adminid` (the staff member logged in to the admin
 * area). Modules read it through WHMCS\Authentication\CurrentUser (harness/whmcs-classes.php), never
 * through these keys. In the CLI (tests, demo) $_SESSION is a plain array.
 */
final class Session
{
    /** The client account of the session (0 = none). */
    public static function clientId(): int
    {
        return (int) ($_SESSION['uid'] ?? 0);
    }

    /** The staff member of the session (0 = none). */
    public static function adminId(): int
    {
        return (int) ($_SESSION['adminid'] ?? 0);
    }

    /** Logs the client in (the client area's login form). */
    public static function loginClient(int $clientId): void
    {
        $_SESSION['uid'] = $clientId;
    }

    /** Logs the staff member in (the admin area's login form). */
    public static function loginAdmin(int $adminId): void
    {
        $_SESSION['adminid'] = $adminId;
    }

    /**
     * Runs $call with the session logged in as exactly this client and/or staff member, then restores it.
     *
     * @template T
     * @param callable(): T $call
     * @return T
     */
    public static function as(int $clientId, int $adminId, callable $call)
    {
        $saved = [$_SESSION['uid'] ?? null, $_SESSION['adminid'] ?? null];
        $_SESSION['uid'] = $clientId;
        $_SESSION['adminid'] = $adminId;
        try {
            return $call();
        } finally {
            [$_SESSION['uid'], $_SESSION['adminid']] = $saved;
            foreach (['uid', 'adminid'] as $key) {
                if ($_SESSION[$key] === null) {
                    unset($_SESSION[$key]);
                }
            }
        }
    }
}
