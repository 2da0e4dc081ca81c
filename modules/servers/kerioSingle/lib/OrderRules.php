<?php

namespace WHMCS\Module\Server\kerioSingle;

use Illuminate\Database\Schema\Blueprint;
use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The declarative mailbox-name and password rules for a product's order form, as the engine's
 * `password_rules` op emits them (docs/bridge-protocol.md "Rules"): the same rules the engine
 * enforces when the mailbox is created, so the browser never has its own copy of a rule.
 *
 * The domain's password policy is read from the Kerio server of the product's server group. Rules
 * that depend only on product and domain (what the order page needs first) are cached for
 * CACHE_SECONDS in mod_keriosingle_rules; rules that depend on names the customer typed are not
 * cached. When Kerio cannot be asked the engine's offline rules apply (complexity assumed on, so the
 * form never accepts what Kerio might refuse).
 */
final class OrderRules
{
    /** Cache table, created on first use. */
    public const CACHE_TABLE = 'mod_keriosingle_rules';
    /** Seconds a product/domain rule set is reused. */
    public const CACHE_SECONDS = 300;
    /** The inputs the rules may depend on, as the order form sends them. */
    public const INPUTS = ['domain', 'localpart', 'givenname', 'surname'];
    /** Seconds the order page waits for the engine. */
    private const ENGINE_TIMEOUT = 20;

    /**
     * The product row when it is a kerioSingle product, else null.
     */
    public static function product(int $productId): ?object
    {
        if ($productId <= 0) {
            return null;
        }
        $product = Capsule::table('tblproducts')->where('id', $productId)->first();
        return $product !== null && $product->servertype === ServiceRepository::MODULE ? $product : null;
    }

    /**
     * `{"password": [RULE…], "localpart": [RULE…]}` for the product and what the customer typed so far.
     *
     * @param array<string, string> $inputs domain, localpart, givenname, surname (missing = empty)
     * @return array<string, mixed>
     * @throws EngineError when not even the offline engine can answer
     */
    public static function forProduct(object $product, array $inputs): array
    {
        $args = self::args($product, $inputs);
        $personal = ($args['localpart'] ?? '') !== '' || ($args['givenname'] ?? '') !== '' || ($args['surname'] ?? '') !== '';
        $cacheKey = hash('sha256', json_encode([(int) $product->id, $args]) ?: '');
        if (!$personal) {
            $cached = self::cached($cacheKey);
            if ($cached !== null) {
                return $cached;
            }
        }
        $rules = self::fromEngine($product, 'password_rules', $args, []);
        if (!$personal) {
            self::store($cacheKey, $rules);
        }
        return $rules;
    }

    /**
     * The rules the password breaks, as the engine's `check_password` words them ([] = acceptable).
     *
     * @param array<string, string> $inputs domain, localpart, givenname, surname
     * @return list<string>
     * @throws EngineError when not even the offline engine can answer
     */
    public static function passwordFailures(object $product, array $inputs, string $password): array
    {
        $args = self::args($product, $inputs) + ['password' => $password];
        $result = self::fromEngine($product, 'check_password', $args, [$password]);
        return array_values(array_map('strval', (array) ($result['failures'] ?? [])));
    }

    /**
     * The `password_rules` args: the product's minimum length plus the non-empty inputs.
     *
     * @param array<string, string> $inputs
     * @return array<string, mixed>
     */
    private static function args(object $product, array $inputs): array
    {
        $args = [];
        foreach (self::INPUTS as $name) {
            $value = trim((string) ($inputs[$name] ?? ''));
            if ($value !== '') {
                $args[$name] = mb_substr($value, 0, 255);
            }
        }
        $minLength = ProductSettings::fromParams((array) $product)->passwordMinLength();
        if ($minLength !== null) {
            $args['min_length'] = $minLength;
        }
        return $args;
    }

    /**
     * Runs a rules op with the product's server; without a usable server, offline.
     *
     * @param array<string, mixed> $args
     * @param list<string>         $secrets values to mask in the module log
     * @return array<string, mixed>
     * @throws EngineError
     */
    private static function fromEngine(object $product, string $op, array $args, array $secrets): array
    {
        $server = isset($args['domain']) ? self::serverOf($product) : null;
        if ($server !== null) {
            try {
                return self::client($server)->call($op, $args, $secrets);
            } catch (EngineError $unreachable) {
                // Kerio did not answer: the offline rules below are the stricter assumption.
            }
        }
        return self::client(null)->call($op, $args, $secrets);
    }

    private static function client(?ServerSettings $server): EngineClient
    {
        $seconds = $server === null ? self::ENGINE_TIMEOUT : min(self::ENGINE_TIMEOUT, $server->timeoutSeconds());
        $secrets = $server === null ? [] : [$server->password()];
        return new EngineClient(new Engine(Engine::defaultBinary(), $seconds), $server, new ModuleLog('OrderFormRules', $secrets));
    }

    /**
     * The first enabled kerioSingle server of the product's server group (any enabled kerioSingle
     * server when the product has no group), or null.
     */
    private static function serverOf(object $product): ?ServerSettings
    {
        $query = Capsule::table('tblservers')->where('type', ServiceRepository::MODULE)->where('disabled', 0);
        if ((int) ($product->servergroup ?? 0) > 0) {
            $query->whereIn('id', Capsule::table('tblservergroupsrel')->where('groupid', (int) $product->servergroup)->pluck('serverid'));
        }
        $row = $query->orderBy('active', 'desc')->orderBy('id')->first();
        if ($row === null) {
            return null;
        }
        try {
            return ServerSettings::fromServerRow($row);
        } catch (SettingsError $misconfigured) {
            return null;
        }
    }

    /**
     * @return array<string, mixed>|null
     */
    private static function cached(string $key): ?array
    {
        self::ensureCacheTable();
        $json = Capsule::table(self::CACHE_TABLE)->where('cache_key', $key)->where('expires_at', '>=', time())->value('rules');
        $rules = is_string($json) ? json_decode($json, true) : null;
        return is_array($rules) ? $rules : null;
    }

    /**
     * @param array<string, mixed> $rules
     */
    private static function store(string $key, array $rules): void
    {
        $table = Capsule::table(self::CACHE_TABLE);
        $table->where('expires_at', '<', time())->delete();
        Capsule::table(self::CACHE_TABLE)->where('cache_key', $key)->delete();
        Capsule::table(self::CACHE_TABLE)->insert([
            'cache_key' => $key,
            'rules' => json_encode($rules, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE),
            'expires_at' => time() + self::CACHE_SECONDS,
        ]);
    }

    private static function ensureCacheTable(): void
    {
        $schema = Capsule::schema();
        if ($schema->hasTable(self::CACHE_TABLE)) {
            return;
        }
        $schema->create(self::CACHE_TABLE, static function (Blueprint $table): void {
            $table->char('cache_key', 64)->primary();
            $table->text('rules');
            $table->unsignedInteger('expires_at')->index();
        });
    }
}
