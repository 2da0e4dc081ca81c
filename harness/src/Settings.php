<?php

namespace KerioSingle\Harness;

use WHMCS\Database\Capsule;

/**
 * WHMCS general settings in tblconfiguration (ModuleDebugMode, SystemURL, Language, …).
 *
 * Like WHMCS, which reads the table once per request into its configuration, the settings are
 * read in one query when first asked for and kept until forget(): the harness forgets them at the
 * start of every module call and every dispatched action (its requests), and when it attaches a
 * database. Reading each setting with its own query made every logModuleCall() a database round
 * trip, which WHMCS does not pay (make bench, bench/README.md).
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

    /** Forgets the settings read (a new request, another database). */
    public static function forget(): void
    {
        self::$values = null;
    }
}
