<?php

namespace KerioSingle\Harness;

/**
 * WHMCS's CSRF token: one random token per session (the web front end's PHP session, else the
 * process), put in forms
 * by generate_token() and compared by check_token() with the posted `token`. WHMCS ends the request
 * with "Invalid CSRF Protection Token" when it does not match; the harness throws CsrfFailure.
 */
final class CsrfToken
{
    private static ?string $token = null;

    /** The session's token (created on first use; kept in $_SESSION when a PHP session runs). */
    public static function current(): string
    {
        if (session_status() === PHP_SESSION_ACTIVE) {
            $_SESSION['token'] = $_SESSION['token'] ?? bin2hex(random_bytes(20));
            return (string) $_SESSION['token'];
        }
        if (self::$token === null) {
            self::$token = bin2hex(random_bytes(20));
        }
        return self::$token;
    }

    /**
     * generate_token(): a hidden input ('form', the default), '&token=…' ('link') or the bare token ('plain').
     */
    public static function generate(string $type): string
    {
        $token = self::current();
        if ($type === 'link') {
            return '&token=' . $token;
        }
        if ($type === 'plain') {
            return $token;
        }
        return '<input type="hidden" name="token" value="' . $token . '" />';
    }

    /**
     * check_token(): returns when $_REQUEST['token'] is the session's token.
     *
     * @throws CsrfFailure otherwise (WHMCS stops the request)
     */
    public static function check(): void
    {
        $posted = (string) ($_REQUEST['token'] ?? '');
        if ($posted === '' || !hash_equals(self::current(), $posted)) {
            throw new CsrfFailure('Invalid CSRF Protection Token');
        }
    }
}
