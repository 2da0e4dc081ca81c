<?php

namespace WHMCS\Module\Server\kerioSingle;

use Illuminate\Database\Schema\Blueprint;
use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * One-time webmail sign-in links: a random token, valid once and for LIFETIME_SECONDS, bound to one
 * service and its client. Only the SHA-256 of the token is stored (table mod_keriosingle_sso,
 * created on first use), never the token itself and never a password.
 */
final class SsoTokens
{
    /** The module's table, created on demand. */
    public const TABLE = 'mod_keriosingle_sso';
    /** Seconds a link stays valid. */
    public const LIFETIME_SECONDS = 60;
    private const TOKEN_BYTES = 32;

    /**
     * Issues a token for the service and returns the link WHMCS redirects the client to.
     *
     * @throws \RuntimeException when the token cannot be stored
     */
    public static function issueLink(int $serviceId, int $clientId): string
    {
        self::ensureTable();
        $now = time();
        Capsule::table(self::TABLE)->where('expires_at', '<', $now - self::LIFETIME_SECONDS)->delete();
        $token = bin2hex(random_bytes(self::TOKEN_BYTES));
        Capsule::table(self::TABLE)->insert([
            'token_hash' => self::hash($token),
            'service_id' => $serviceId,
            'client_id' => $clientId,
            'expires_at' => $now + self::LIFETIME_SECONDS,
            'used_at' => null,
        ]);
        return SystemUrl::moduleFile('sso.php') . '?token=' . $token;
    }

    /**
     * Uses up a token: returns the service id it was issued for when the token is known, unused,
     * unexpired and belongs to $clientId; null otherwise. A token works at most once, even when two
     * requests race (the claim is a single conditional UPDATE).
     */
    public static function redeem(string $token, int $clientId): ?int
    {
        if (preg_match('/^[0-9a-f]{' . (2 * self::TOKEN_BYTES) . '}$/', $token) !== 1 || $clientId <= 0) {
            return null;
        }
        self::ensureTable();
        $hash = self::hash($token);
        $now = time();
        $claimed = Capsule::table(self::TABLE)
            ->where('token_hash', $hash)
            ->whereNull('used_at')
            ->where('expires_at', '>=', $now)
            ->update(['used_at' => $now]);
        if ($claimed !== 1) {
            return null;
        }
        $row = Capsule::table(self::TABLE)->where('token_hash', $hash)->first(['service_id', 'client_id']);
        if ($row === null || (int) $row->client_id !== $clientId) {
            return null;
        }
        return (int) $row->service_id;
    }

    /** Creates the token table when it does not exist yet. */
    private static function ensureTable(): void
    {
        $schema = Capsule::schema();
        if ($schema->hasTable(self::TABLE)) {
            return;
        }
        $schema->create(self::TABLE, static function (Blueprint $table): void {
            $table->increments('id');
            $table->char('token_hash', 64)->unique();
            $table->unsignedInteger('service_id');
            $table->unsignedInteger('client_id');
            $table->unsignedInteger('expires_at')->index();
            $table->unsignedInteger('used_at')->nullable();
        });
    }

    private static function hash(string $token): string
    {
        return hash('sha256', $token);
    }
}
