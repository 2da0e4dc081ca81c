<?php

namespace KerioSingle\Harness;

use WHMCS\Database\Capsule;

/**
 * WHMCS's logModuleCall(): only when the setting ModuleDebugMode is 'on'; arrays are print_r'd;
 * each value in $replaceVars is replaced by as many asterisks as it has characters; module and
 * action are stored lower-case in tblmodulelog.
 */
final class ModuleLogger
{
    /**
     * @param string|array<mixed> $request
     * @param string|array<mixed> $response
     * @param string|array<mixed> $processed
     * @param array<mixed>        $replaceVars
     */
    public static function log(string $module, string $action, $request, $response, $processed, array $replaceVars): void
    {
        if (Settings::get('ModuleDebugMode') !== 'on') {
            return;
        }
        Capsule::table('tblmodulelog')->insert([
            'date' => date('Y-m-d H:i:s'),
            'module' => strtolower($module),
            'action' => strtolower($action),
            'request' => self::mask(self::text($request), $replaceVars),
            'response' => self::mask(self::text($response), $replaceVars),
            'arrdata' => self::mask(self::text($processed), $replaceVars),
        ]);
    }

    /** @param mixed $value */
    private static function text($value): string
    {
        return is_array($value) || is_object($value) ? print_r($value, true) : (string) $value;
    }

    /**
     * @param array<mixed> $replaceVars
     */
    private static function mask(string $text, array $replaceVars): string
    {
        foreach ($replaceVars as $secret) {
            $secret = (string) $secret;
            if ($secret !== '') {
                $text = str_replace($secret, str_repeat('*', strlen($secret)), $text);
            }
        }
        return $text;
    }
}
