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
    /** Session key of the logged-in user's permissions for the client (absent = the account owner). */
    private const PERMISSIONS = 'harness_user_permissions';

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

    /**
     * Logs the client in (the client area's login form): as the account owner, or as a user of the
     * client with only $permissions (WHMCS 8 user permissions such as `manageproducts`, `productsso`).
     *
     * @param list<string>|null $permissions
     */
    public static function loginClient(int $clientId, ?array $permissions = null): void
    {
        $_SESSION['uid'] = $clientId;
        if ($permissions === null) {
            unset($_SESSION[self::PERMISSIONS]);
        } else {
            $_SESSION[self::PERMISSIONS] = array_values($permissions);
        }
    }

    /**
     * Whether the logged-in user may manage the client's products (WHMCS 8 user permission
     * `manageproducts`); the account owner (no permission list) may.
     */
    public static function mayManageProducts(): bool
    {
        $permissions = $_SESSION[self::PERMISSIONS] ?? null;
        return !is_array($permissions) || in_array('manageproducts', $permissions, true);
    }

    /** Logs everybody out (WHMCS ends the client-area session on a refused CSRF token). */
    public static function end(): void
    {
        $_SESSION = [];
        if (session_status() === PHP_SESSION_ACTIVE) {
            session_regenerate_id(true);
        }
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
