<?php

namespace WHMCS\Module\Server\kerioSingle;

use Illuminate\Database\Schema\Blueprint;
use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The password policy of each mail domain (`{"complexity":bool,"min_length":n}`, the `policy` of the
 * engine's `password_rules` answer), kept in the WHMCS database table mod_keriosingle_policy for
 * LIFETIME seconds and shared by every visitor of the order form: the anonymous rules endpoint and the
 * cart hook read Kerio at most once per server and domain per lifetime, whatever the traffic.
 *
 * A domain whose policy Kerio could not give (server down, domain unknown) is remembered as unknown
 * for the same lifetime; the engine then assumes complexity on, the stricter rule.
 */
final class DomainPolicyCache
{
    /** Table created on first use. */
    public const TABLE = 'mod_keriosingle_policy';
    /** Seconds a domain's policy is reused. */
    public const LIFETIME = 600;

    /**
     * The policy of $domain on the server with id $serverId: from the table while fresh, else read
     * once through $readFromKerio and stored.
     *
     * @param callable(): (array<string, mixed>|null) $readFromKerio the policy, null when Kerio could not give it
     * @return array<string, mixed>|null null = unknown (the engine assumes complexity on)
     */
    public static function policy(int $serverId, string $domain, callable $readFromKerio): ?array
    {
        self::ensureTable();
        $key = hash('sha256', $serverId . '|' . strtolower($domain));
        $row = Capsule::table(self::TABLE)->where('cache_key', $key)->where('expires_at', '>=', time())->first();
        if ($row !== null) {
            $policy = json_decode((string) $row->policy, true);
            return is_array($policy) ? $policy : null;
        }
        $policy = $readFromKerio();
        self::store($key, $policy);
        return $policy;
    }

    /**
     * @param array<string, mixed>|null $policy
     */
    private static function store(string $key, ?array $policy): void
    {
        Capsule::table(self::TABLE)->where('expires_at', '<', time())->delete();
        Capsule::table(self::TABLE)->where('cache_key', $key)->delete();
        Capsule::table(self::TABLE)->insert([
            'cache_key' => $key,
            'policy' => json_encode($policy),
            'expires_at' => time() + self::LIFETIME,
        ]);
    }

    private static function ensureTable(): void
    {
        ModuleTable::ensure(self::TABLE, static function (Blueprint $table): void {
            $table->char('cache_key', 64)->primary();
            $table->string('policy', 255);
            $table->unsignedInteger('expires_at')->index();
        });
    }
}
