<?php

namespace WHMCS\Module\Server\kerioSingle;

use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * This WHMCS installation's id: random, made once and kept in WHMCS's settings (tblconfiguration,
 * setting `kerioSingleInstallationId`). The engine writes it into every mailbox mark beside the
 * service id (`WHMCS service #12 (installation 3f9a…)`), so two WHMCS installations sharing one
 * Kerio server never take each other's mailboxes (docs/bridge-protocol.md, "Ownership").
 */
final class Installation
{
    /** The tblconfiguration setting that holds the id. */
    public const SETTING = 'kerioSingleInstallationId';
    /** Random bytes of a new id (written as 32 hex digits). */
    private const RANDOM_BYTES = 16;

    /**
     * The installation id, made and stored on first use. Two first uses at once keep one id: the
     * row is inserted only when missing, and the id is read back from it. Read on every call (one
     * query beside an engine run), so it always is the stored one.
     *
     * @throws SettingsError when the stored value is not an id (edited by hand): changing it would
     *         disown every mailbox, so the module stops and says how to restore it
     */
    public static function id(): string
    {
        $stored = self::stored();
        if ($stored === null) {
            $now = date('Y-m-d H:i:s');
            Capsule::table('tblconfiguration')->insertOrIgnore([
                'setting' => self::SETTING,
                'value' => bin2hex(random_bytes(self::RANDOM_BYTES)),
                'created_at' => $now,
                'updated_at' => $now,
            ]);
            $stored = (string) self::stored();
        }
        if (preg_match('/^[0-9a-f]{8,64}$/', $stored) !== 1) {
            throw new SettingsError(
                'The kerioSingle installation id (setting ' . self::SETTING . ' in tblconfiguration) is '
                    . SettingsError::quote($stored) . ', not 8 to 64 lower-case hex digits. Restore the value it had '
                    . '(it is written in the description of every mailbox this installation created, after "installation"); '
                    . 'nothing was changed on Kerio.'
            );
        }
        return $stored;
    }

    /** The stored value, trimmed; null when the setting does not exist. */
    private static function stored(): ?string
    {
        $value = Capsule::table('tblconfiguration')->where('setting', self::SETTING)->value('value');
        return $value === null ? null : trim((string) $value);
    }
}
