<?php

namespace WHMCS\Module\Server\kerioSingle;

use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The declarative mailbox-name and password rules for a product's order form, as the engine's
 * `password_rules` op emits them (docs/bridge-protocol.md "Rules"): the same rules the engine
 * enforces when the mailbox is created, so the browser never has its own copy of a rule.
 *
 * Only the domain's password policy comes from Kerio, through lib/DomainPolicyCache.php (read at most
 * once per server and domain every 10 minutes, shared by all visitors); every rule, including those
 * built from the names the customer typed, is then evaluated by the engine offline with that policy.
 * Only the domains the product offers are answered (lib/CustomFields.php offeredDomains).
 */
final class OrderRules
{
    /** The inputs the rules may depend on, as the order form sends them. */
    public const INPUTS = ['domain', 'localpart', 'givenname', 'surname'];
    /** Longest input passed on to the engine, in characters. */
    private const MAX_INPUT_CHARACTERS = 255;
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
     * The product row when it is a kerioSingle product visitors may see in the shop (not hidden,
     * not retired), else null: rules.php answers anonymous visitors only about those.
     */
    public static function publicProduct(int $productId): ?object
    {
        $product = self::product($productId);
        if ($product === null || self::flagSet($product->hidden ?? '') || self::flagSet($product->retired ?? 0)) {
            return null;
        }
        return $product;
    }

    /** Whether a tblproducts yes/no column is set (WHMCS stores 1 or 'on'; '' and 0 are off). */
    private static function flagSet($value): bool
    {
        return !in_array(strtolower(trim((string) $value)), ['', '0', 'off'], true);
    }

    /**
     * `{"password": [RULE…], "localpart": [RULE…]}` for the product and what the customer typed so far;
     * with a mailbox name and domain also `"address"` (addressStatus); an address kept for someone
     * else adds the mailbox-name rule `address_not_available`.
     *
     * @param array<string, string> $inputs domain, localpart, givenname, surname (missing = empty)
     * @return array<string, mixed>
     * @throws SettingsError when the domain is not one the product offers
     * @throws EngineError when the engine cannot run
     */
    public static function forProduct(object $product, array $inputs): array
    {
        $args = self::args($product, $inputs);
        $rules = self::offline('password_rules', $args, []);
        $answer = ['password' => $rules['password'] ?? [], 'localpart' => $rules['localpart'] ?? []];
        if (isset($args['localpart'], $args['domain'])) {
            $answer['address'] = self::addressStatus($args['localpart'], $args['domain']);
            if ($answer['address'] === KeptMail::NOT_AVAILABLE) {
                $answer['localpart'][] = [
                    'id' => 'address_not_available', 'kind' => 'not_in', 'values' => [strtolower($args['localpart'])],
                    'message' => 'This address is not available; choose another mailbox name',
                ];
            }
        }
        return $answer;
    }

    /**
     * Whether the address may be ordered by the session's client (lib/KeptMail.php): `free`, `yours`
     * (the client's own kept mail comes back with it) or `not_available` (kept for someone else, or
     * nobody logged in to show it is theirs). Never says for whom.
     */
    public static function addressStatus(string $localpart, string $domain): string
    {
        return KeptMail::availability(trim($localpart) . '@' . trim($domain), SsoActor::current()->clientId);
    }

    /**
     * What the configure-product form breaks, as the engine's `check_password` words it:
     * `localpart` (mailbox-name rules) and `password` failures ([] each = acceptable).
     *
     * @param array<string, string> $inputs domain, localpart, givenname, surname
     * @return array{localpart: list<string>, password: list<string>}
     * @throws SettingsError when the domain is not one the product offers
     * @throws EngineError when the engine cannot run
     */
    public static function failures(object $product, array $inputs, string $password): array
    {
        $args = self::args($product, $inputs) + ['password' => $password];
        $result = self::offline('check_password', $args, [$password]);
        return [
            'localpart' => array_values(array_map('strval', (array) ($result['localpart_failures'] ?? []))),
            'password' => array_values(array_map('strval', (array) ($result['failures'] ?? []))),
        ];
    }

    /**
     * The rules args: the product's minimum length, the non-empty inputs (cut to 255 characters) and
     * the cached policy of the chosen domain.
     *
     * @param array<string, string> $inputs
     * @return array<string, mixed>
     * @throws SettingsError when the domain is not one the product offers
     */
    private static function args(object $product, array $inputs): array
    {
        $args = [];
        foreach (self::INPUTS as $name) {
            $value = trim((string) ($inputs[$name] ?? ''));
            if ($value !== '') {
                $args[$name] = mb_substr($value, 0, self::MAX_INPUT_CHARACTERS);
            }
        }
        $settings = ProductSettings::fromParams((array) $product);
        $minLength = $settings->passwordMinLength();
        if ($minLength !== null) {
            $args['min_length'] = $minLength;
        }
        if ($settings->reservedNames() !== null) {
            $args['reserved_localparts'] = $settings->reservedNames();
        }
        if (isset($args['domain'])) {
            $args['domain'] = self::offeredDomain((int) $product->id, $settings, $args['domain']);
            $policy = self::policyOf($product, $args['domain']);
            if ($policy !== null) {
                $args['policy'] = $policy;
            }
        }
        return $args;
    }

    /**
     * The domain in lower case when the product offers it.
     *
     * @throws SettingsError naming the domains the product offers
     */
    private static function offeredDomain(int $productId, ProductSettings $settings, string $domain): string
    {
        $offered = CustomFields::offeredDomains($productId, $settings);
        $domain = strtolower($domain);
        if (!in_array($domain, $offered, true)) {
            throw new SettingsError(
                'Choose one of the domains this product offers: ' . implode(', ', $offered) . '.'
            );
        }
        return $domain;
    }

    /**
     * The domain's policy from the cache; on a miss read once from the product's server.
     *
     * @return array<string, mixed>|null null = unknown or no server (the engine assumes complexity on)
     */
    private static function policyOf(object $product, string $domain): ?array
    {
        $row = self::serverRowOf($product);
        $server = $row === null ? null : self::settingsOf($row);
        if ($server === null) {
            return null;
        }
        return DomainPolicyCache::policy((int) $row->id, $domain, static function () use ($server, $domain): ?array {
            try {
                $rules = self::client($server)->call('password_rules', ['domain' => $domain]);
            } catch (EngineError $unavailable) {
                return null;
            }
            return is_array($rules['policy'] ?? null) ? $rules['policy'] : null;
        });
    }

    /**
     * Runs a rules op without a server: every input it needs, the policy included, is in $args.
     *
     * @param array<string, mixed> $args
     * @param list<string>         $secrets values to mask in the module log
     * @return array<string, mixed>
     * @throws EngineError
     */
    private static function offline(string $op, array $args, array $secrets): array
    {
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
    private static function serverRowOf(object $product): ?object
    {
        $query = Capsule::table('tblservers')->where('type', ServiceRepository::MODULE)->where('disabled', 0);
        if ((int) ($product->servergroup ?? 0) > 0) {
            $query->whereIn('id', Capsule::table('tblservergroupsrel')->where('groupid', (int) $product->servergroup)->pluck('serverid'));
        }
        return $query->orderBy('active', 'desc')->orderBy('id')->first();
    }

    /** The row's settings, or null when they are unusable (the rules then assume the stricter policy). */
    private static function settingsOf(object $row): ?ServerSettings
    {
        try {
            return ServerSettings::fromServerRow($row);
        } catch (SettingsError $misconfigured) {
            return null;
        }
    }
}
