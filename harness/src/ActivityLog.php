<?php

namespace KerioSingle\Harness;

use WHMCS\Database\Capsule;

/**
 * WHMCS's activity log (tblactivitylog), written by logActivity() and by the dispatcher.
 */
final class ActivityLog
{
    /** Adds one line. */
    public static function add(string $message, int $clientId = 0): void
    {
        Capsule::table('tblactivitylog')->insert([
            'date' => date('Y-m-d H:i:s'), 'description' => $message, 'user' => 'System',
            'userid' => $clientId, 'admin_id' => 0, 'ipaddr' => '127.0.0.1',
        ]);
    }

    /**
     * Every line, oldest first.
     *
     * @return list<string>
     */
    public static function lines(): array
    {
        return Capsule::table('tblactivitylog')->orderBy('id')->pluck('description')->map(static fn ($line): string => (string) $line)->all();
    }
}
