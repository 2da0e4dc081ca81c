<?php

namespace WHMCS\Module\Server\kerioSingle;

use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The product custom fields the module relies on (order form and admin-only state), and their
 * per-service values in tblcustomfieldsvalues.
 *
 * Field names follow the WHMCS `key|Label` convention; the key before `|` is the contract, the
 * label may be translated by the admin and is never overwritten once the field exists.
 */
final class CustomFields
{
    /** Mailbox name chosen by the customer (the part before @). */
    public const LOCALPART = 'localpart';
    /** Mail domain chosen by the customer (dropdown of the product's domains). */
    public const MAILDOMAIN = 'maildomain';
    /** Password chosen on the order form; blanked once it moved into the service password. */
    public const PASSWORD = 'password';
    /** First name of the mailbox owner. */
    public const GIVENNAME = 'givenname';
    /** Last name of the mailbox owner. */
    public const SURNAME = 'surname';
    /** Admin-only: the quota (MB) currently applied to the mailbox; written by kerioSingleUpdateQuota. */
    public const QUOTA = 'quota';
    /**
     * Admin-only: the Kerio user id of the mailbox, recorded at create (and refreshed when the engine
     * reports a new one); lets the engine act by id instead of looking the address up. Empty = by address.
     */
    public const KERIO_ID = 'kerio_id';

    /** key => [label, fieldtype, adminonly, required, showorder, description] */
    private const FIELDS = [
        self::LOCALPART => ['Mailbox name', 'text', false, true, true, 'The part before the @, e.g. "john.doe".'],
        self::MAILDOMAIN => ['Domain', 'dropdown', false, true, true, 'The domain of your address.'],
        self::PASSWORD => ['Password', 'password', false, true, true, 'The password of your mailbox.'],
        self::GIVENNAME => ['First name', 'text', false, false, true, ''],
        self::SURNAME => ['Last name', 'text', false, false, true, ''],
        self::QUOTA => ['Quota (MB)', 'text', true, false, false, 'Quota applied to the mailbox (kept by the module).'],
        self::KERIO_ID => ['Kerio user ID', 'text', true, false, false, 'Kerio id of the mailbox (kept by the module; empty it to have the mailbox found by its address).'],
    ];

    /**
     * Creates missing fields for the product and brings existing ones to the module's flags.
     *
     * @param list<string>|null $domains options of the Domain dropdown; null keeps the stored options
     */
    public static function ensureForProduct(int $productId, ?array $domains): void
    {
        $sortOrder = 0;
        foreach (self::FIELDS as $key => [$label, $type, $adminOnly, $required, $showOrder, $description]) {
            $columns = [
                'fieldtype' => $type,
                'adminonly' => $adminOnly ? 'on' : '',
                'required' => $required ? 'on' : '',
                'showorder' => $showOrder ? 'on' : '',
                'sortorder' => $sortOrder++,
            ];
            if ($key === self::MAILDOMAIN && $domains !== null) {
                $columns['fieldoptions'] = implode(',', $domains);
            }
            $existing = self::findField($productId, $key);
            if ($existing === null) {
                self::insertField($productId, $key . '|' . $label, $description, $columns);
            } else {
                Capsule::table('tblcustomfields')->where('id', $existing)->update($columns + ['updated_at' => self::now()]);
            }
        }
    }

    /**
     * Takes kerioSingle's fields off the product's order form (not shown, not required); stored values
     * stay. Only a product carrying the module's field set (recognised by its admin-only `kerio_id`
     * field, which nothing else creates) is touched, so another module's own `password` field is safe.
     */
    public static function hideFromOrderForm(int $productId): void
    {
        if (self::findField($productId, self::KERIO_ID) === null) {
            return;
        }
        foreach (array_keys(self::FIELDS) as $key) {
            $fieldId = self::findField($productId, $key);
            if ($fieldId !== null) {
                Capsule::table('tblcustomfields')->where('id', $fieldId)->update(['showorder' => '', 'required' => '', 'updated_at' => self::now()]);
            }
        }
    }

    /**
     * Writes one field's value for a service (insert or update).
     */
    public static function setValue(int $productId, int $serviceId, string $key, string $value): void
    {
        $fieldId = self::findField($productId, $key);
        if ($fieldId === null) {
            self::ensureForProduct($productId, null);
            $fieldId = self::findField($productId, $key);
        }
        $row = Capsule::table('tblcustomfieldsvalues')->where('fieldid', $fieldId)->where('relid', $serviceId)->first();
        if ($row === null) {
            Capsule::table('tblcustomfieldsvalues')->insert([
                'fieldid' => $fieldId, 'relid' => $serviceId, 'value' => $value,
                'created_at' => self::now(), 'updated_at' => self::now(),
            ]);
            return;
        }
        Capsule::table('tblcustomfieldsvalues')->where('id', $row->id)->update(['value' => $value, 'updated_at' => self::now()]);
    }

    /**
     * The stored value of a service's field, HTML-entity decoded ('' when none).
     *
     * Read from the table rather than from $params['customfields'], because WHMCS cuts param values
     * at the first `|` (meant for "value|label" options), which would truncate a password containing `|`.
     * WHMCS stores order-form input HTML-encoded, hence the decoding.
     */
    public static function value(int $productId, int $serviceId, string $key): string
    {
        $fieldId = self::findField($productId, $key);
        if ($fieldId === null) {
            return '';
        }
        $raw = Capsule::table('tblcustomfieldsvalues')->where('fieldid', $fieldId)->where('relid', $serviceId)->value('value');
        return html_entity_decode((string) $raw, ENT_QUOTES);
    }

    /**
     * The password typed on the order form, in plain text ('' when none).
     *
     * Whether WHMCS 8 stores a password-type custom field encrypted is not settled by public evidence
     * (community hooks decrypt such fields with the DecryptPassword API; other evidence shows them raw),
     * so both are handled without guessing silently: a value that WHMCS's own DecryptPassword turns
     * into printable text is taken as encrypted by WHMCS, anything else as stored as typed; the module
     * log says which case applied (never the value).
     */
    public static function orderPassword(int $productId, int $serviceId): string
    {
        $fieldId = self::findField($productId, self::PASSWORD);
        $raw = $fieldId === null ? '' : (string) Capsule::table('tblcustomfieldsvalues')->where('fieldid', $fieldId)->where('relid', $serviceId)->value('value');
        if ($raw === '') {
            return '';
        }
        $decrypted = self::decryptedByWhmcs($raw);
        (new ModuleLog('CreateAccount', []))->note(
            ['order_password_of_service' => $serviceId],
            $decrypted === null
                ? 'The order form password field was stored as typed; used as stored.'
                : 'The order form password field was stored encrypted by WHMCS; decrypted with its DecryptPassword API.'
        );
        return html_entity_decode($decrypted ?? $raw, ENT_QUOTES);
    }

    /**
     * The plain text of a value WHMCS encrypted, or null when $raw is not WHMCS cipher text: cipher
     * text is base64, and decrypting anything else gives '' or bytes that are not printable UTF-8.
     */
    private static function decryptedByWhmcs(string $raw): ?string
    {
        if (preg_match('#^[A-Za-z0-9+/]{16,}={0,2}$#', $raw) !== 1 || !function_exists('localAPI')) {
            return null;
        }
        $answer = localAPI('DecryptPassword', ['password2' => $raw]);
        $plain = (string) ($answer['password'] ?? '');
        $printable = $plain !== '' && preg_match('//u', $plain) === 1 && preg_match('/[\x00-\x1F\x7F]/', $plain) !== 1;
        return ($answer['result'] ?? '') === 'success' && $printable ? $plain : null;
    }

    /**
     * The most recently written value of a key for a service across the fields of every product.
     *
     * Custom fields belong to a product, so after an upgrade the new product's field is still empty
     * while the old product's field holds the state the module wrote; this finds it either way.
     */
    public static function latestServiceValue(int $serviceId, string $key): string
    {
        $value = Capsule::table('tblcustomfieldsvalues as v')
            ->join('tblcustomfields as f', 'f.id', '=', 'v.fieldid')
            ->where('f.type', 'product')
            ->where('v.relid', $serviceId)
            ->where(static function ($query) use ($key): void {
                $query->where('f.fieldname', $key)->orWhere('f.fieldname', 'like', $key . '|%');
            })
            ->where('v.value', '!=', '')
            ->orderBy('v.updated_at', 'desc')
            ->orderBy('v.id', 'desc')
            ->value('v.value');
        return html_entity_decode((string) $value, ENT_QUOTES);
    }

    /**
     * The domains an order of the product may use: the product's Domains setting, or, when that is
     * empty, the options the Domain dropdown offers (`value|label` options count by their value).
     * Lower case; [] when neither lists a domain.
     *
     * @return list<string>
     */
    public static function offeredDomains(int $productId, ProductSettings $product): array
    {
        $configured = $product->domains();
        return $configured !== [] ? $configured : self::domainOptions($productId);
    }

    /**
     * The values of the product's Domain dropdown, in order, lower case.
     *
     * @return list<string>
     */
    public static function domainOptions(int $productId): array
    {
        $fieldId = self::findField($productId, self::MAILDOMAIN);
        $options = $fieldId === null ? '' : (string) Capsule::table('tblcustomfields')->where('id', $fieldId)->value('fieldoptions');
        $domains = [];
        foreach (explode(',', $options) as $option) {
            $value = strtolower(trim(explode('|', $option)[0]));
            if ($value !== '') {
                $domains[] = $value;
            }
        }
        return $domains;
    }

    /** The id of the product's field with this key, or null. */
    public static function findField(int $productId, string $key): ?int
    {
        $id = Capsule::table('tblcustomfields')
            ->where('type', 'product')
            ->where('relid', $productId)
            ->where(static function ($query) use ($key): void {
                $query->where('fieldname', $key)->orWhere('fieldname', 'like', $key . '|%');
            })
            ->orderBy('id')
            ->value('id');
        return $id === null ? null : (int) $id;
    }

    /**
     * @param array<string, mixed> $columns
     */
    private static function insertField(int $productId, string $name, string $description, array $columns): void
    {
        Capsule::table('tblcustomfields')->insert($columns + [
            'type' => 'product', 'relid' => $productId, 'fieldname' => $name, 'fieldoptions' => '',
            'description' => $description, 'regexpr' => '', 'showinvoice' => '',
            'created_at' => self::now(), 'updated_at' => self::now(),
        ]);
    }

    private static function now(): string
    {
        return date('Y-m-d H:i:s');
    }
}
