<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The limits that apply to one service: the product's module settings, replaced or raised by the
 * service's Configurable Options (WHMCS passes them in $params['configoptions'], keyed by the option
 * name before `|`; a dropdown's value is its chosen sub-option name before `|`, a quantity's value
 * the quantity):
 *
 * - `quota_mb` replaces the product's quota (whole MB; 0 = the product's quota, never unlimited);
 * - `extra_storage_gb` adds that many GB to it (0 adds nothing; an unlimited quota stays unlimited);
 * - `max_aliases` replaces the product's alias limit.
 *
 * Unlimited comes only from a dropdown or radio sub-option named `unlimited` (of `quota_mb` or
 * `extra_storage_gb`): a quantity option's cheapest choice, 0, must never sell a mailbox without
 * a limit (issue 17 item 3).
 */
final class ServiceLimits
{
    /** Configurable Option that replaces the product's quota (MB). */
    public const OPTION_QUOTA_MB = 'quota_mb';
    /** Configurable Option that adds GB to the quota. */
    public const OPTION_EXTRA_STORAGE_GB = 'extra_storage_gb';
    /** Configurable Option that replaces the product's alias limit. */
    public const OPTION_MAX_ALIASES = 'max_aliases';

    /** The sub-option name (before `|`) of a storage option that sells an unlimited mailbox. */
    public const UNLIMITED = 'unlimited';

    /** Largest quota Kerio takes through the engine (MB; crates/kerio-single/src/quota.rs MAX_QUOTA_MB). */
    public const MAX_QUOTA_MB = 1024 * 1024 * 1024;

    /** option name => [what it means for the error, largest value] */
    private const OPTION_RANGES = [
        self::OPTION_QUOTA_MB => ['a mailbox size in MB', self::MAX_QUOTA_MB],
        self::OPTION_EXTRA_STORAGE_GB => ['a number of GB', self::MAX_QUOTA_MB / 1024],
        self::OPTION_MAX_ALIASES => ['a number of aliases', ProductSettings::MAX_LIST_LIMIT],
    ];

    private ProductSettings $product;
    /** @var array<string, int> the service's valid kerioSingle options */
    private array $options;
    /** Whether a storage option's chosen sub-option is `unlimited`. */
    private bool $unlimited;

    /**
     * @param array<string, int> $options
     */
    private function __construct(ProductSettings $product, array $options, bool $unlimited)
    {
        $this->product = $product;
        $this->options = $options;
        $this->unlimited = $unlimited;
    }

    /**
     * Reads the product settings and the service's Configurable Options from module params.
     *
     * @param array<string, mixed> $params
     * @throws SettingsError naming the option and its bad value (negative, not a whole number, too large)
     */
    public static function fromParams(array $params): self
    {
        $chosen = (array) ($params['configoptions'] ?? []);
        $options = [];
        $unlimited = false;
        foreach (self::OPTION_RANGES as $name => [$meaning, $maximum]) {
            if (!array_key_exists($name, $chosen)) {
                continue;
            }
            if ($name !== self::OPTION_MAX_ALIASES && self::isUnlimited($chosen[$name])) {
                $unlimited = true;
                continue;
            }
            $options[$name] = self::optionValue($name, $chosen[$name], $meaning, $maximum);
        }
        return new self(ProductSettings::fromParams($params), $options, $unlimited);
    }

    /**
     * The service's quota in MB (0 = unlimited): the `quota_mb` option (when above 0) or the
     * product's quota, plus `extra_storage_gb` × 1024; unlimited only for an `unlimited` sub-option
     * or a product quota of 0.
     *
     * @throws SettingsError when the sum is larger than Kerio takes, or the product quota is malformed
     */
    public function quotaMb(): int
    {
        if ($this->unlimited) {
            return 0;
        }
        $chosen = $this->options[self::OPTION_QUOTA_MB] ?? 0;
        $base = $chosen > 0 ? $chosen : $this->product->quotaMb();
        if ($base === 0) {
            return 0;
        }
        $total = $base + ($this->options[self::OPTION_EXTRA_STORAGE_GB] ?? 0) * 1024;
        if ($total > self::MAX_QUOTA_MB) {
            throw new SettingsError(
                'The mailbox size with extra storage (' . $total . ' MB) is larger than the supported maximum of '
                . self::MAX_QUOTA_MB . ' MB; lower the Configurable Options quota_mb or extra_storage_gb of the service.'
            );
        }
        return $total;
    }

    /**
     * The service's alias limit: the `max_aliases` option or the product's setting (0 = none).
     *
     * @throws SettingsError when the product setting is malformed
     */
    public function maxAliases(): int
    {
        return $this->options[self::OPTION_MAX_ALIASES] ?? $this->product->maxAliases();
    }

    /**
     * Whether a chosen value is the `unlimited` sub-option (a quantity is always a number).
     *
     * @param mixed $value
     */
    private static function isUnlimited($value): bool
    {
        return is_string($value) && strtolower(trim($value)) === self::UNLIMITED;
    }

    /**
     * One option's value as a whole number within its range.
     *
     * @param mixed $value
     * @throws SettingsError
     */
    private static function optionValue(string $name, $value, string $meaning, int $maximum): int
    {
        $text = trim(is_scalar($value) ? (string) $value : '');
        $fix = ' Fix the option in Setup > Products/Services > Configurable Options or on the service.';
        if (!preg_match('/^\d{1,10}$/', $text)) {
            throw new SettingsError(
                'Configurable Option "' . $name . '" must be ' . $meaning . ' as a whole number of 0 or more (it is "'
                . preg_replace('/[^\w .,+-]/', '?', substr($text, 0, 32)) . '").' . $fix
            );
        }
        if ((int) $text > $maximum) {
            throw new SettingsError(
                'Configurable Option "' . $name . '" may be at most ' . $maximum . ' (it is ' . $text . ').' . $fix
            );
        }
        return (int) $text;
    }
}
