<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * A product's module settings (Products > Module Settings), stored by WHMCS as configoption1..14.
 *
 * The order of DEFINITIONS is the order of configoption1..N and must never change once released:
 * WHMCS stores values by position, so inserting or reordering would shift every product's settings.
 * New settings may only be appended.
 */
final class ProductSettings
{
    /** Terminate deletes the mailbox and its data. */
    public const TERMINATE_DELETE = 'delete';
    /** Terminate removes the user but keeps its mail store on the server. */
    public const TERMINATE_KEEP = 'keep';
    /** Terminate moves the mail into the archive mailbox, then removes the user. */
    public const TERMINATE_ARCHIVE = 'archive';

    /** The longest password the engine accepts (its `password_max_length` rule). */
    private const MAX_PASSWORD_LENGTH = 128;

    /** key => WHMCS ConfigOptions field definition, in configoption order. */
    private const DEFINITIONS = [
        'domains' => [
            'FriendlyName' => 'Domains',
            'Type' => 'text',
            'Size' => '60',
            'Default' => '',
            'Description' => 'Mail domains this product sells, comma separated. Empty = every domain on the server.',
            'Loader' => 'kerioSingleDomainLoader',
            'SimpleMode' => true,
        ],
        'quota_mb' => [
            'FriendlyName' => 'Mailbox quota (MB)',
            'Type' => 'text',
            'Size' => '8',
            'Default' => '1024',
            'Description' => '0 = unlimited',
            'SimpleMode' => true,
        ],
        'terminate_mode' => [
            'FriendlyName' => 'On terminate',
            'Type' => 'dropdown',
            'Options' => [
                self::TERMINATE_DELETE => 'Delete the mailbox and its mail',
                self::TERMINATE_KEEP => 'Remove the user, keep the mail on the server',
                self::TERMINATE_ARCHIVE => 'Move the mail to the archive mailbox',
            ],
            'Default' => self::TERMINATE_DELETE,
            'SimpleMode' => true,
        ],
        'archive_mailbox' => [
            'FriendlyName' => 'Archive mailbox',
            'Type' => 'text',
            'Size' => '40',
            'Default' => '',
            'Description' => 'Address that receives the mail of terminated mailboxes (only for "archive").',
        ],
        'allow_downgrade_below_usage' => [
            'FriendlyName' => 'Allow downgrade below usage',
            'Type' => 'yesno',
            'Description' => 'Tick to allow a smaller quota even when the mailbox already uses more.',
        ],
        'sso' => [
            'FriendlyName' => 'Webmail single sign-on',
            'Type' => 'yesno',
            'Default' => 'on',
            'Description' => 'Tick to offer the "Open Webmail" button in the client area.',
            'SimpleMode' => true,
        ],
        'password_min_length' => [
            'FriendlyName' => 'Minimum password length',
            'Type' => 'text',
            'Size' => '4',
            'Default' => '',
            'Description' => 'Empty = the Kerio domain\'s policy.',
        ],
        'max_aliases' => [
            'FriendlyName' => 'Aliases per mailbox',
            'Type' => 'text',
            'Size' => '4',
            'Default' => '0',
            'Description' => '0 = no aliases offered. A Configurable Option named max_aliases replaces it per service.',
            'SimpleMode' => true,
        ],
        'forwarding' => [
            'FriendlyName' => 'Mail forwarding',
            'Type' => 'yesno',
            'Description' => 'Tick to let the customer forward the mailbox\'s mail to other addresses.',
            'SimpleMode' => true,
        ],
        'max_forward_targets' => [
            'FriendlyName' => 'Forwarding addresses (max.)',
            'Type' => 'text',
            'Size' => '4',
            'Default' => '5',
            'Description' => 'How many addresses the customer may forward to.',
            'SimpleMode' => true,
        ],
        // Positions 11-15 are fixed across the open work (issues 17, 18, 20): 11 options group,
        // 12 mail import, 13 kept-mail days, 14 reserved names, 15 import time per cron run.
        'create_options_group' => [
            'FriendlyName' => 'Create the Configurable Options group',
            'Type' => 'yesno',
            'Description' => 'Tick and save to create the ready-made Configurable Options group (mailbox size, aliases) for this '
                . 'product: linked, its options hidden and unpriced until you price them. The box unticks itself.',
        ],
        'mail_import' => [
            'FriendlyName' => 'Mail import',
            'Type' => 'yesno',
            'Default' => 'on',
            'Description' => 'Reserved for the customer mail import (not active in this version).',
        ],
        'kept_mail_days' => [
            'FriendlyName' => 'Keep terminated mail (days)',
            'Type' => 'text',
            'Size' => '4',
            'Default' => '30',
            'Description' => 'With "On terminate: keep", how long the mail is kept for the same client before the daily cron purges it and frees the address (0 = at the next daily run, at most 3650).',
        ],
        'reserved_names' => [
            'FriendlyName' => 'Reserved mailbox names',
            'Type' => 'text',
            'Size' => '60',
            'Default' => '',
            'Description' => 'Comma separated names nobody may order or use as an alias. Empty = the built-in list.',
        ],
    ];

    /** What a reserved name must look like: a mailbox name (the engine's local-part rules), up to 64 characters. */
    private const MAILBOX_NAME = '/^(?=.{1,64}$)[a-z0-9_-]+(\.[a-z0-9_-]+)*$/D';

    /** Largest alias limit or forwarding-target count a setting may hold. */
    public const MAX_LIST_LIMIT = 1000;
    /** Longest time terminated mail may be kept, in days (10 years). */
    public const MAX_KEPT_MAIL_DAYS = 3650;

    /** @var array<string, string> */
    private array $values;

    /**
     * @param array<string, string> $values raw values by key
     */
    private function __construct(array $values)
    {
        $this->values = $values;
    }

    /**
     * The ConfigOptions definition array WHMCS renders on the product page; a non-empty
     * `$domainsNote` (what the admin should know about the Domains, ProductSetup::refresh) is shown,
     * escaped, under the Domains field.
     *
     * @return array<string, array<string, mixed>>
     */
    public static function definitions(string $domainsNote = ''): array
    {
        $definitions = self::DEFINITIONS;
        if ($domainsNote !== '') {
            $definitions['domains']['Description'] .= '<br><strong class="text-danger" id="kerioSingleDomainsNote">'
                . htmlspecialchars($domainsNote, ENT_QUOTES, 'UTF-8') . '</strong>';
        }
        return $definitions;
    }

    /**
     * Reads configoption1..N of module params (or of a tblproducts row turned into an array).
     *
     * @param array<string, mixed> $params
     */
    public static function fromParams(array $params): self
    {
        $values = [];
        $position = 1;
        foreach (array_keys(self::DEFINITIONS) as $key) {
            $values[$key] = trim((string) ($params['configoption' . $position] ?? ''));
            $position++;
        }
        return new self($values);
    }

    /**
     * Domains the product sells, lower-case; empty = every domain on the server. Typed as a comma list
     * or picked (one) from the Loader's dropdown; a JSON array, as products saved with an earlier
     * version's multi-select hold, is still read.
     *
     * @return list<string>
     */
    public function domains(): array
    {
        $stored = strtolower(html_entity_decode($this->values['domains'], ENT_QUOTES));
        $picked = str_starts_with($stored, '[') ? json_decode($stored, true) : null;
        $parts = is_array($picked)
            ? array_filter(array_map('trim', array_filter($picked, 'is_string')), 'strlen')
            : preg_split('/[\s,;]+/', $stored, -1, PREG_SPLIT_NO_EMPTY);
        return array_values(array_unique($parts ?: []));
    }

    /**
     * Mailbox quota in MB; 0 = unlimited. An unset quota is never read as unlimited: a product saved
     * before the quota was drawn in Simple Mode has none, and the mailbox must not be sold unlimited.
     *
     * @throws SettingsError when the setting is empty or not a whole number
     */
    public function quotaMb(): int
    {
        if ($this->values['quota_mb'] === '') {
            throw new SettingsError(
                'Product setting "' . self::DEFINITIONS['quota_mb']['FriendlyName'] . '" is not set; enter the mailbox size '
                . 'in MB (0 = unlimited) in Products/Services > Module Settings and save.'
            );
        }
        return self::wholeNumber('quota_mb', $this->values['quota_mb'], 0);
    }

    /**
     * delete | keep | archive.
     *
     * @throws SettingsError for any other value
     */
    public function terminateMode(): string
    {
        $mode = $this->values['terminate_mode'] === '' ? self::TERMINATE_DELETE : $this->values['terminate_mode'];
        if (!array_key_exists($mode, self::DEFINITIONS['terminate_mode']['Options'])) {
            throw new SettingsError(
                'Product setting "On terminate" has the unknown value ' . SettingsError::quote($mode) . '; choose delete, keep or archive.'
            );
        }
        return $mode;
    }

    /** Address receiving the mail of terminated mailboxes; null when not set. */
    public function archiveMailbox(): ?string
    {
        return $this->values['archive_mailbox'] === '' ? null : $this->values['archive_mailbox'];
    }

    /** Whether a quota below the mailbox's live usage may be applied. */
    public function allowDowngradeBelowUsage(): bool
    {
        return self::isTicked($this->values['allow_downgrade_below_usage']);
    }

    /** Whether the customer may open webmail without typing the password. */
    public function ssoEnabled(): bool
    {
        return self::isTicked($this->values['sso']);
    }

    /**
     * The product's minimum password length; null = the Kerio domain's policy decides.
     *
     * @throws SettingsError when the stored value is not a whole number of 0 to 128
     */
    public function passwordMinLength(): ?int
    {
        if ($this->values['password_min_length'] === '') {
            return null;
        }
        $minLength = self::wholeNumber('password_min_length', $this->values['password_min_length'], 0);
        if ($minLength > self::MAX_PASSWORD_LENGTH) {
            throw new SettingsError(
                'Product setting "Minimum password length" is ' . $minLength . ', but passwords may have at most '
                . self::MAX_PASSWORD_LENGTH . ' characters; use 0 to ' . self::MAX_PASSWORD_LENGTH . ' or leave it empty.'
            );
        }
        return $minLength;
    }

    /**
     * The product's alias limit per mailbox; 0 = aliases not offered.
     *
     * @throws SettingsError when the stored value is not a whole number up to MAX_LIST_LIMIT
     */
    public function maxAliases(): int
    {
        return self::wholeNumber('max_aliases', $this->values['max_aliases'], 0, self::MAX_LIST_LIMIT);
    }

    /** Whether the customer may set up forwarding. */
    public function forwardingEnabled(): bool
    {
        return self::isTicked($this->values['forwarding']);
    }

    /**
     * How many forwarding addresses the customer may enter (default 5).
     *
     * @throws SettingsError when the stored value is not a whole number up to MAX_LIST_LIMIT
     */
    public function maxForwardTargets(): int
    {
        return self::wholeNumber('max_forward_targets', $this->values['max_forward_targets'], 5, self::MAX_LIST_LIMIT);
    }

    /**
     * Days the mail of a service terminated with mode keep is kept for its client before the daily
     * cron purges it (default 30; 0 = at the next daily cron run).
     *
     * @throws SettingsError when the stored value is not a whole number up to MAX_KEPT_MAIL_DAYS
     */
    public function keptMailDays(): int
    {
        return self::wholeNumber('kept_mail_days', $this->values['kept_mail_days'], 30, self::MAX_KEPT_MAIL_DAYS);
    }

    /**
     * The product's reserved mailbox names (configoption14), lower case, replacing the engine's
     * built-in list (RFC 2142 role names and the usual system names); null when the setting is empty,
     * which keeps the built-in list. Passed to the engine as `reserved_localparts`.
     *
     * @return list<string>|null
     * @throws SettingsError naming the entry that is not a possible mailbox name
     */
    public function reservedNames(): ?array
    {
        $names = preg_split('/[\s,;]+/', strtolower($this->values['reserved_names']), -1, PREG_SPLIT_NO_EMPTY) ?: [];
        foreach ($names as $name) {
            if (!preg_match(self::MAILBOX_NAME, $name)) {
                throw new SettingsError(
                    'Product setting "' . self::DEFINITIONS['reserved_names']['FriendlyName'] . '" lists '
                    . SettingsError::quote(substr($name, 0, 64)) . ', which is not a mailbox name (letters a-z, digits, '
                    . 'dot, underscore and hyphen, at most 64); separate the names with commas in Products/Services > Module Settings.'
                );
            }
        }
        return $names === [] ? null : array_values(array_unique($names));
    }

    /**
     * @throws SettingsError
     */
    private static function wholeNumber(string $key, string $value, int $default, ?int $maximum = null): int
    {
        if ($value === '') {
            return $default;
        }
        if ($maximum !== null && ctype_digit($value) && (strlen($value) > 9 || (int) $value > $maximum)) {
            throw new SettingsError(
                'Product setting "' . self::DEFINITIONS[$key]['FriendlyName'] . '" may be at most ' . $maximum
                . ' (it is "' . $value . '"); fix it in Products/Services > Module Settings.'
            );
        }
        if (!ctype_digit($value)) {
            throw new SettingsError(
                'Product setting "' . self::DEFINITIONS[$key]['FriendlyName'] . '" must be a whole number '
                . '(it is ' . SettingsError::quote($value) . '); fix it in Products/Services > Module Settings.'
            );
        }
        return (int) $value;
    }

    /** WHMCS stores a ticked yesno box as 'on'. */
    private static function isTicked(string $value): bool
    {
        return in_array(strtolower($value), ['on', 'yes', '1', 'true'], true);
    }
}
