<?php

namespace KerioSingle\Harness;

use WHMCS\Database\Capsule;

/**
 * WHMCS general settings in tblconfiguration (ModuleDebugMode, SystemURL, Language, …).
 *
 * Like WHMCS, which reads the table once per request into its configuration, the settings are
 * read in one query when first asked for and then kept: every change goes through set(), which
 * keeps them in step, and the web harness serves each request in a fresh process. They are
 * forgotten when another database is attached. Reading each setting with its own query made
 * every logModuleCall() a database round trip, which WHMCS does not pay (make bench).
 */
final class Settings
{
    /** @var array<string, string>|null setting => value, null until read */
    private static ?array $values = null;

    /** The stored value, or '' when the setting does not exist. */
    public static function get(string $name): string
    {
        if (self::$values === null) {
            self::$values = array_map('strval', Capsule::table('tblconfiguration')->pluck('value', 'setting')->all());
        }
        return self::$values[$name] ?? '';
    }

    /** Creates or changes a setting. */
    public static function set(string $name, string $value): void
    {
        $now = date('Y-m-d H:i:s');
        if (Capsule::table('tblconfiguration')->where('setting', $name)->exists()) {
            Capsule::table('tblconfiguration')->where('setting', $name)->update(['value' => $value, 'updated_at' => $now]);
        } else {
            Capsule::table('tblconfiguration')->insert(['setting' => $name, 'value' => $value, 'created_at' => $now, 'updated_at' => $now]);
        }
        if (self::$values !== null) {
            self::$values[$name] = $value;
        }
    }

    /** Forgets the settings read (another database was attached). */
    public static function forget(): void
    {
        self::$values = null;
    }
}
