<?php

namespace KerioSingle\Harness;

/**
 * The request superglobals as WHMCS leaves them for modules: every value HTML-encoded with
 * htmlspecialchars(ENT_QUOTES) at bootstrap.
 */
final class Request
{
    /**
     * Replaces $_GET, $_POST and $_REQUEST with the encoded values.
     *
     * @param array<string, mixed> $get
     * @param array<string, mixed> $post
     */
    public static function set(array $get, array $post = []): void
    {
        $_GET = self::encode($get);
        $_POST = self::encode($post);
        $_REQUEST = array_merge($_GET, $_POST);
    }

    /** Empties the superglobals. */
    public static function clear(): void
    {
        self::set([], []);
        unset($_SERVER['SCRIPT_NAME']);
    }

    /**
     * The admin or client script the request is for (`$_SERVER['SCRIPT_NAME']`, e.g.
     * `/admin/configproducts.php`); clear() forgets it.
     */
    public static function script(string $path): void
    {
        $_SERVER['SCRIPT_NAME'] = $path;
    }

    /**
     * WHMCS's input sanitising.
     *
     * @param mixed $value
     * @return mixed
     */
    public static function encode($value)
    {
        if (is_array($value)) {
            return array_map([self::class, 'encode'], $value);
        }
        return htmlspecialchars((string) $value, ENT_QUOTES);
    }
}
