<?php

namespace KerioSingle\SecretScan;

/**
 * The secrets a test run hands to the module (admin passwords, right and wrong; mailbox passwords,
 * accepted and refused; SSO tokens, session cookies a browser test holds), and the search for them
 * in text.
 *
 * A secret counts as leaked in any of the forms a log could carry it: as is, JSON-escaped,
 * HTML-escaped, URL-encoded or with PHP's addslashes. Secrets shorter than MIN_LENGTH are not
 * searched (three characters occur by chance); the suites use longer ones. What is reported never
 * contains the secret: a form name and the secret's first characters are masked too.
 */
final class SecretLedger
{
    /** Shortest secret searched for. */
    public const MIN_LENGTH = 6;

    /** @var array<string, true> */
    private static array $secrets = [];

    /** Records secrets used by a test. */
    public static function remember(string ...$secrets): void
    {
        foreach ($secrets as $secret) {
            if (strlen($secret) >= self::MIN_LENGTH) {
                self::$secrets[$secret] = true;
            }
        }
    }

    /**
     * Every recorded secret.
     *
     * @return list<string>
     */
    public static function all(): array
    {
        return array_map('strval', array_keys(self::$secrets));
    }

    /**
     * The secrets (of $secrets) found in $text, with the form they were found in.
     *
     * @param list<string> $secrets
     * @return list<string> e.g. 'json form of secret #3 (14 chars)'
     */
    public static function findIn(string $text, array $secrets): array
    {
        return array_map(
            static fn (array $hit): string => $hit['form'] . ' form of secret #' . $hit['secret'] . ' (' . $hit['length'] . ' chars)',
            self::locate($text, $secrets)
        );
    }

    /**
     * Where secrets (of $secrets) occur in $text: the first occurrence of each, in the first form found.
     *
     * @param list<string> $secrets
     * @return list<array{secret: int, form: string, offset: int, length: int}> secret = index in $secrets
     */
    public static function locate(string $text, array $secrets): array
    {
        $hits = [];
        foreach ($secrets as $index => $secret) {
            foreach (self::forms($secret) as $form => $encoded) {
                $offset = strpos($text, $encoded);
                if ($offset !== false) {
                    $hits[] = ['secret' => $index, 'form' => $form, 'offset' => $offset, 'length' => strlen($secret)];
                    break;
                }
            }
        }
        return $hits;
    }

    /**
     * Session tokens and cookies that are not masked: `token` keys (JSON or print_r) and
     * X-Token/Cookie headers whose value is anything but asterisks.
     *
     * @return list<string> the offending snippets with the value itself masked, e.g. '"token":"*** (10 chars)'
     */
    public static function findTokens(string $text): array
    {
        $patterns = [
            '/("token"\s*:\s*")(?!\*+")([^"]+)"/i',
            '/(\[token\][ \t]*=>[ \t]*)(?!\*+(?:\s|$))(\S+)/i',
            '/(X-Token:\s*)(?!\*+)(\S+)/i',
            '/(?:^|\s)((?:Set-)?Cookie:\s*[^\s=]+=)(?!\*+)(\S+)/im',
        ];
        $found = [];
        foreach ($patterns as $pattern) {
            if (preg_match_all($pattern, $text, $matches, PREG_SET_ORDER) > 0) {
                foreach ($matches as $match) {
                    $found[] = trim($match[1]) . '*** (' . strlen($match[2]) . ' chars)';
                }
            }
        }
        return $found;
    }

    /**
     * $text with every form of every secret (of $secrets) replaced by "[secret]".
     *
     * @param list<string> $secrets
     */
    public static function mask(string $text, array $secrets): string
    {
        $encodings = [];
        foreach ($secrets as $secret) {
            $encodings = array_merge($encodings, array_values(self::forms($secret)));
        }
        usort($encodings, static fn (string $a, string $b): int => strlen($b) <=> strlen($a));
        return str_replace($encodings, '[secret]', $text);
    }

    /** Writes the recorded secrets to $file (JSON list), for the scan at the end of `make test`. */
    public static function save(string $file): void
    {
        if (file_put_contents($file, (string) json_encode(self::all(), JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES)) === false) {
            throw new \RuntimeException('Cannot write ' . $file . '.');
        }
        chmod($file, 0600);
    }

    /**
     * Secrets written by save().
     *
     * @return list<string>
     */
    public static function load(string $file): array
    {
        $secrets = json_decode((string) @file_get_contents($file), true);
        return is_array($secrets) ? array_values(array_map('strval', $secrets)) : [];
    }

    /**
     * @return array<string, string> form name => encoded secret
     */
    private static function forms(string $secret): array
    {
        $json = (string) json_encode($secret, JSON_UNESCAPED_UNICODE);
        return [
            'plain' => $secret,
            'json' => substr($json, 1, -1),
            'json-ascii' => substr((string) json_encode($secret), 1, -1),
            'html' => htmlspecialchars($secret, ENT_QUOTES),
            'url' => urlencode($secret),
            'rawurl' => rawurlencode($secret),
            'slashes' => addslashes($secret),
        ];
    }
}
