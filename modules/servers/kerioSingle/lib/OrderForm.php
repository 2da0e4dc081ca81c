<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * What hooks.php adds to the cart's configure-product step (cart.php?a=confproduct) of a
 * kerioSingle product: the rules of lib/OrderRules.php and js/order-form.js, which checks the
 * mailbox-name and password custom fields live and lists each unmet rule under the field.
 */
final class OrderForm
{
    /** How long the cart's final address check waits for a running create or alias add of the address. */
    private const ADDRESS_WAIT_SECONDS = 5;

    /** Order-form custom fields the script watches (keys of lib/CustomFields.php). */
    private const FIELDS = [
        CustomFields::LOCALPART, CustomFields::MAILDOMAIN, CustomFields::PASSWORD,
        CustomFields::GIVENNAME, CustomFields::SURNAME,
    ];

    /**
     * The footer HTML for a client-area page: the scripts on the configure-product step of a
     * kerioSingle product, '' on every other page or when no rules can be had.
     *
     * @param array<string, mixed> $vars the hook's page variables
     */
    public static function footer(array $vars): string
    {
        $product = OrderRules::product(self::productId($vars));
        if ($product === null) {
            return '';
        }
        $fields = self::fieldIds((int) $product->id);
        try {
            $rules = OrderRules::forProduct($product, ['domain' => self::firstDomain((int) $product->id)]);
        } catch (EngineError $unavailable) {
            return '';
        }
        return self::scripts([
            'productId' => (int) $product->id,
            'fields' => $fields,
            'rules' => $rules,
            'rulesUrl' => SystemUrl::moduleFile('rules.php'),
            'text' => self::texts(Lang::forParams(['clientsdetails' => ['language' => (string) ($vars['language'] ?? '')]])),
        ]);
    }

    /**
     * The same live mailbox-name check for the client area's alias field (#kerioAliasInput; the
     * domain from #kerioAliasDomainValue): the rules come from rules.php like on the order form.
     */
    public static function aliasCheck(int $productId, Lang $lang): string
    {
        return self::scripts([
            'productId' => $productId,
            'fields' => [],
            'selectors' => ['localpart' => '#kerioAliasInput', 'maildomain' => '#kerioAliasDomainValue'],
            'rules' => ['localpart' => [], 'password' => []],
            'rulesUrl' => SystemUrl::moduleFile('rules.php'),
            'text' => self::texts($lang),
        ]);
    }

    /**
     * js/order-form.js with its configuration, as inline scripts.
     *
     * @param array<string, mixed> $config
     */
    private static function scripts(array $config): string
    {
        $json = json_encode($config, JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT | JSON_UNESCAPED_SLASHES);
        $script = (string) file_get_contents(dirname(__DIR__) . '/js/order-form.js');
        return '<script>window.kerioSingleOrderForm = ' . $json . ";</script>\n<script>" . $script . '</script>';
    }

    /**
     * Errors for the cart's ShoppingCartValidateProductUpdate hook: the domain must be one the product
     * offers, and the engine checks the mailbox name and the password against the same rules the live
     * check showed; an address whose kept mail is another client's is not available ([] = nothing to complain).
     *
     * @param array<string, mixed> $vars the submitted configure-product form (values HTML-encoded by WHMCS)
     * @return list<string>
     */
    public static function validate(array $vars): array
    {
        $index = (int) ($vars['i'] ?? 0);
        $product = OrderRules::product((int) ($_SESSION['cart']['products'][$index]['pid'] ?? 0));
        if ($product === null) {
            return [];
        }
        $values = self::postedValues((int) $product->id, (array) ($vars['customfield'] ?? []));
        $inputs = ['domain' => $values[CustomFields::MAILDOMAIN]] + $values;
        $lang = Lang::forParams([]);
        try {
            $failures = OrderRules::failures($product, $inputs, $values[CustomFields::PASSWORD]);
        } catch (SettingsError $notOffered) {
            $offered = CustomFields::offeredDomains((int) $product->id, ProductSettings::fromParams((array) $product));
            return [$lang->get('order_domain_not_offered', ['domains' => implode(', ', $offered)])];
        }
        $errors = [];
        if ($failures['localpart'] !== []) {
            $errors[] = $lang->get('order_localpart_invalid', ['failures' => implode('; ', $failures['localpart'])]);
        }
        if ($failures['password'] !== []) {
            $errors[] = $lang->get('order_password_invalid', ['failures' => implode('; ', $failures['password'])]);
        }
        if ($failures['localpart'] === []) {
            $errors = array_merge($errors, self::addressErrors($values[CustomFields::LOCALPART], $inputs['domain'], $lang));
        }
        return $errors;
    }

    /**
     * The cart's final word on the address, read under its address lock (NamedLock): a CreateAccount
     * or AddAlias of the same address that is running finishes first, so the cart never answers from
     * the middle of one; a lock still held after ADDRESS_WAIT_SECONDS is "try again".
     *
     * @return list<string> the error to show, or [] when the address may be ordered
     */
    private static function addressErrors(string $localpart, string $domain, Lang $lang): array
    {
        try {
            $status = NamedLock::whileHolding(
                [NamedLock::address(trim($localpart) . '@' . trim($domain))],
                static fn (): string => OrderRules::addressStatus($localpart, $domain),
                self::ADDRESS_WAIT_SECONDS
            );
        } catch (SettingsError $busy) {
            return [$busy->getMessage()];
        }
        return $status === KeptMail::NOT_AVAILABLE ? [$lang->get('order_address_not_available')] : [];
    }

    /**
     * The posted custom field values by key, decoded.
     *
     * @param array<int|string, mixed> $posted field id => value
     * @return array<string, string>
     */
    private static function postedValues(int $productId, array $posted): array
    {
        $values = [];
        foreach (self::FIELDS as $key) {
            $id = CustomFields::findField($productId, $key);
            $values[$key] = $id === null ? '' : html_entity_decode((string) ($posted[$id] ?? ''), ENT_QUOTES, 'UTF-8');
        }
        return $values;
    }

    /**
     * The product being configured: WHMCS passes `productinfo.pid` to the configureproduct template;
     * other pages (and other cart steps) give 0.
     *
     * @param array<string, mixed> $vars
     */
    private static function productId(array $vars): int
    {
        if (($vars['filename'] ?? '') !== 'cart' || ($vars['templatefile'] ?? '') !== 'configureproduct') {
            return 0;
        }
        return (int) ($vars['productinfo']['pid'] ?? 0);
    }

    /**
     * Custom field ids by key (0 when the product lacks the field).
     *
     * @return array<string, int>
     */
    private static function fieldIds(int $productId): array
    {
        $ids = [];
        foreach (self::FIELDS as $key) {
            $ids[$key] = (int) CustomFields::findField($productId, $key);
        }
        return $ids;
    }

    /** The domain preselected in the Domain dropdown (its first option), '' when there is none. */
    private static function firstDomain(int $productId): string
    {
        return CustomFields::domainOptions($productId)[0] ?? '';
    }

    /**
     * The strings the script shows: headings and the rule sentences by id.
     *
     * @return array<string, string>
     */
    private static function texts(Lang $lang): array
    {
        $texts = [];
        foreach ($lang->all() as $key => $text) {
            if (strncmp($key, 'order_', 6) === 0 || strncmp($key, 'rule_', 5) === 0) {
                $texts[$key] = $text;
            }
        }
        return $texts;
    }
}
