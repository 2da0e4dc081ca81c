<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The module's own strings (lang/<language>.php returns an array key => text; `:name` marks a
 * placeholder).
 *
 * WHMCS does not load server-module language files, so the module picks the language itself:
 * the session language, then the client's language, then English. Missing keys fall back to English.
 */
final class Lang
{
    private const FALLBACK = 'english';

    /** @var array<string, string> */
    private array $strings;

    /**
     * @param array<string, string> $strings
     */
    private function __construct(array $strings)
    {
        $this->strings = $strings;
    }

    /**
     * The strings for the language of the current visitor or of the service's client.
     *
     * @param array<string, mixed> $params WHMCS module params (clientsdetails.language is used)
     */
    public static function forParams(array $params): self
    {
        $candidates = [
            $_SESSION['Language'] ?? '',
            $params['clientsdetails']['language'] ?? '',
        ];
        foreach ($candidates as $candidate) {
            $name = strtolower(trim((string) $candidate));
            if ($name !== '' && preg_match('/^[a-z_-]+$/', $name) === 1 && is_file(self::path($name))) {
                return self::load($name);
            }
        }
        return self::load(self::FALLBACK);
    }

    /** The strings of one language, English filling the gaps. */
    public static function load(string $language): self
    {
        $strings = self::read(self::FALLBACK);
        if ($language !== self::FALLBACK) {
            $strings = array_replace($strings, self::read($language));
        }
        return new self($strings);
    }

    /**
     * One string with its `:name` placeholders filled; the key itself when no language has it.
     *
     * @param array<string, string|int|float> $vars placeholder name => value
     */
    public function get(string $key, array $vars = []): string
    {
        $text = $this->strings[$key] ?? $key;
        uksort($vars, static fn ($a, $b): int => strlen((string) $b) <=> strlen((string) $a));
        foreach ($vars as $name => $value) {
            $text = str_replace(':' . $name, (string) $value, $text);
        }
        return $text;
    }

    /**
     * A number in the language's notation (number_decimal_point, number_thousands_separator).
     */
    public function number(float $value, int $decimals): string
    {
        return number_format($value, $decimals, $this->get('number_decimal_point'), $this->get('number_thousands_separator'));
    }

    /**
     * Every string, for templates.
     *
     * @return array<string, string>
     */
    public function all(): array
    {
        return $this->strings;
    }

    /** @return array<string, string> */
    private static function read(string $language): array
    {
        $path = self::path($language);
        if (!is_file($path)) {
            return [];
        }
        $strings = include $path;
        return is_array($strings) ? $strings : [];
    }

    private static function path(string $language): string
    {
        return dirname(__DIR__) . '/lang/' . $language . '.php';
    }
}
