<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * A server or product setting in WHMCS is malformed; the message names the setting and the fix.
 */
final class SettingsError extends \InvalidArgumentException
{
    /** Characters of a value an error message repeats at most. */
    public const QUOTE_CHARACTERS = 64;

    /**
     * A value as an error message may repeat it: in double quotes, on one line (control characters
     * and line breaks as `\n`-style escapes), cut after 64 characters with "…", so a huge or
     * multi-line input never becomes a huge or multi-line message; `<`, `>` and `&` as `\x3C`-style
     * escapes, so markup never reaches a page that prints the message raw.
     */
    public static function quote(string $value): string
    {
        $cut = mb_substr($value, 0, self::QUOTE_CHARACTERS, 'UTF-8');
        $oneLine = (string) preg_replace_callback(
            '/[\x00-\x1F\x7F<>&]/',
            static fn (array $match): string => sprintf('\\x%02X', ord($match[0])),
            mb_scrub($cut, 'UTF-8')
        );
        return '"' . $oneLine . (mb_strlen($value, 'UTF-8') > self::QUOTE_CHARACTERS ? '…' : '') . '"';
    }
}
