<?php

namespace WHMCS\Module\Server\kerioSingle;

use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * Hands the engine's auto-submitting webmail login form to the browser without putting the password
 * in a URL: the form is parked in the PHP session under a random one-time token, and the client is
 * redirected to `modules/servers/kerioSingle/sso.php?token=…`, which prints it once (take()).
 */
final class SsoHandoff
{
    private const SESSION_KEY = 'kerioSingleSso';
    /** Seconds a parked form stays valid. */
    public const LIFETIME_SECONDS = 60;

    /**
     * Parks the form and returns the URL WHMCS redirects the client to.
     */
    public static function park(string $html): string
    {
        $token = bin2hex(random_bytes(16));
        $_SESSION[self::SESSION_KEY][$token] = ['html' => $html, 'expires' => time() + self::LIFETIME_SECONDS];
        return self::systemUrl() . 'modules/servers/kerioSingle/sso.php?token=' . $token;
    }

    /**
     * Returns the parked form once and forgets it; null for an unknown, used or expired token.
     */
    public static function take(string $token): ?string
    {
        $entry = $_SESSION[self::SESSION_KEY][$token] ?? null;
        unset($_SESSION[self::SESSION_KEY][$token]);
        if (!is_array($entry) || (int) $entry['expires'] < time()) {
            return null;
        }
        return (string) $entry['html'];
    }

    /** WHMCS's System URL (General Settings), with a trailing slash. */
    private static function systemUrl(): string
    {
        $url = (string) Capsule::table('tblconfiguration')->where('setting', 'SystemURL')->value('value');
        return rtrim($url, '/') . '/';
    }
}
