<?php

namespace WHMCS\Module\Server\kerioSingle;

use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * Absolute links to the module's own endpoints, built from WHMCS's System URL (General Settings).
 */
final class SystemUrl
{
    /** The module folder below the WHMCS root. */
    public const MODULE_PATH = 'modules/servers/kerioSingle/';

    /**
     * The URL of a file in the module folder, e.g. `sso.php`; relative to the WHMCS root when the
     * System URL is not set.
     */
    public static function moduleFile(string $file): string
    {
        return self::root() . self::MODULE_PATH . $file;
    }

    /** WHMCS's System URL with a trailing slash, or '' when unset. */
    private static function root(): string
    {
        $url = trim((string) Capsule::table('tblconfiguration')->where('setting', 'SystemURL')->value('value'));
        return $url === '' ? '' : rtrim($url, '/') . '/';
    }
}
