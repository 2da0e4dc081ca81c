<?php

namespace WHMCS\Module\Server\kerioSingle;

use Illuminate\Database\Schema\Blueprint;
use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * One-time webmail sign-in links: a random token, valid once and for LIFETIME_SECONDS, bound to one
 * service and to whoever may use it: the service's client, or the staff member who pressed the
 * admin page's button. Only the SHA-256 of the token is stored (table mod_keriosingle_sso, created
 * on first use), never the token itself and never a password.
 */
final class SsoTokens
{
    /** The module's table, created on demand. */
    public const TABLE = 'mod_keriosingle_sso';
    /** Seconds a link stays valid. */
    public const LIFETIME_SECONDS = 60;
    private const TOKEN_BYTES = 32;

    /**
     * Issues a token for the service, usable only by $boundTo (a client OR a staff member, see
     * SsoActor::bindingFor), and returns the link WHMCS redirects the browser to.
     *
     * @throws \RuntimeException when the token cannot be stored
     */
    public static function issueLink(int $serviceId, SsoActor $boundTo): string
    {
        self::ensureTable();
        $now = time();
        Capsule::table(self::TABLE)->where('expires_at', '<', $now - self::LIFETIME_SECONDS)->delete();
        $token = bin2hex(random_bytes(self::TOKEN_BYTES));
        Capsule::table(self::TABLE)->insert([
            'token_hash' => self::hash($token),
            'service_id' => $serviceId,
            'client_id' => $boundTo->clientId,
            'admin_id' => $boundTo->adminId,
            'expires_at' => $now + self::LIFETIME_SECONDS,
            'used_at' => null,
        ]);
        return SystemUrl::moduleFile('sso.php') . '?token=' . $token;
    }

    /**
     * Uses up a token presented by $presenter: returns the service id it was issued for and whom it
     * was bound to when the token is known, unused, unexpired and bound to the presenter's client or
     * staff member; null otherwise. The claim is one conditional UPDATE that includes the binding, so
     * a token works at most once even when two requests race, and anyone else's attempt neither
     * works nor uses it up.
     *
     * @return array{service_id: int, bound_to: SsoActor}|null
     */
    public static function redeem(string $token, SsoActor $presenter): ?array
    {
        if (preg_match('/^[0-9a-f]{' . (2 * self::TOKEN_BYTES) . '}$/', $token) !== 1 || $presenter->isAnonymous()) {
            return null;
        }
        self::ensureTable();
        $hash = self::hash($token);
        $now = time();
        $claimed = Capsule::table(self::TABLE)
            ->where('token_hash', $hash)
            ->whereNull('used_at')
            ->where('expires_at', '>=', $now)
            ->where(static function ($bound) use ($presenter): void {
                $bound->where(static function ($client) use ($presenter): void {
                    $client->where('client_id', '>', 0)->where('client_id', $presenter->clientId);
                })->orWhere(static function ($admin) use ($presenter): void {
                    $admin->where('admin_id', '>', 0)->where('admin_id', $presenter->adminId);
                });
            })
            ->update(['used_at' => $now]);
        if ($claimed !== 1) {
            return null;
        }
        $row = Capsule::table(self::TABLE)->where('token_hash', $hash)->first(['service_id', 'client_id', 'admin_id']);
        return $row === null ? null : [
            'service_id' => (int) $row->service_id,
            'bound_to' => new SsoActor((int) $row->client_id, (int) $row->admin_id),
        ];
    }

    /**
     * Creates the token table when it does not exist yet; a table of an earlier release (links bound
     * to clients only) gets the `admin_id` column.
     */
    private static function ensureTable(): void
    {
        $schema = Capsule::schema();
        if ($schema->hasTable(self::TABLE)) {
            if (!$schema->hasColumn(self::TABLE, 'admin_id')) {
                $schema->table(self::TABLE, static function (Blueprint $table): void {
                    $table->unsignedInteger('admin_id')->default(0);
                });
            }
            return;
        }
        $schema->create(self::TABLE, static function (Blueprint $table): void {
            $table->increments('id');
            $table->char('token_hash', 64)->unique();
            $table->unsignedInteger('service_id');
            $table->unsignedInteger('client_id');
            $table->unsignedInteger('admin_id')->default(0);
            $table->unsignedInteger('expires_at')->index();
            $table->unsignedInteger('used_at')->nullable();
        });
    }

    private static function hash(string $token): string
    {
        return hash('sha256', $token);
    }
}
