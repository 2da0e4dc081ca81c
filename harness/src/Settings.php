<?php

namespace KerioSingle\Harness;

use WHMCS\Database\Capsule;

/**
 * WHMCS general settings in tblconfiguration (ModuleDebugMode, SystemURL, Language, …).
 */
final class Settings
{
    /** The stored value, or '' when the setting does not exist. */
    public static function get(string $name): string
    {
        return (string) Capsule::table('tblconfiguration')->where('setting', $name)->value('value');
    }

    /** Creates or changes a setting. */
    public static function set(string $name, string $value): void
    {
        $now = date('Y-m-d H:i:s');
        if (Capsule::table('tblconfiguration')->where('setting', $name)->exists()) {
            Capsule::table('tblconfiguration')->where('setting', $name)->update(['value' => $value, 'updated_at' => $now]);
            return;
        }
        Capsule::table('tblconfiguration')->insert(['setting' => $name, 'value' => $value, 'created_at' => $now, 'updated_at' => $now]);
    }
}
