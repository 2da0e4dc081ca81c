<?php

namespace KerioSingle\Harness;

/**
 * WHMCS's CSRF token: one random token per session (here: per process until renewed), put in forms
 * by generate_token() and compared by check_token() with the posted `token`. WHMCS ends the request
 * with "Invalid CSRF Protection Token" when it does not match; the harness throws CsrfFailure.
 */
final class CsrfToken
{
    private static ?string $token = null;

    /** The session's token (created on first use). */
    public static function current(): string
    {
        if (self::$token === null) {
            self::$token = bin2hex(random_bytes(20));
        }
        return self::$token;
    }

    /** Starts a new session: the old token no longer matches. */
    public static function renew(): void
    {
        self::$token = null;
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
