<?php

namespace KerioSingle\Reliability\Support;

/**
 * The secrets the reliability suites hand to the module (admin passwords, right and wrong; mailbox
 * passwords, accepted and refused), and the search for them in text.
 *
 * A secret counts as leaked in any of the forms a log could carry it: as is, JSON-escaped,
 * HTML-escaped, URL-encoded or with PHP's addslashes. Secrets shorter than MIN_LENGTH are not
 * searched (three characters occur by chance); the suites use longer ones.
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
     * @return list<string> e.g. 'json form of "Pa55…"'
     */
    public static function findIn(string $text, array $secrets): array
    {
        $found = [];
        foreach ($secrets as $secret) {
            foreach (self::forms($secret) as $form => $encoded) {
                if (strpos($text, $encoded) !== false) {
                    $found[] = $form . ' form of a secret starting "' . substr($secret, 0, 3) . '…"';
                    break;
                }
            }
        }
        return $found;
    }

    /**
     * Session tokens and cookies that are not masked: `token` keys (JSON or print_r) and
     * X-Token/Cookie headers whose value is anything but asterisks.
     *
     * @return list<string> the offending snippets, shortened
     */
    public static function findTokens(string $text): array
    {
        $patterns = [
            '/"token"\s*:\s*"(?!\*+")[^"]+"/i',
            '/\[token\][ \t]*=>[ \t]*(?!\*+(?:\s|$))\S+/i',
            '/X-Token:\s*(?!\*+)\S+/i',
            '/(?:^|\s)(?:Set-)?Cookie:\s*\S+=(?!\*+)\S+/im',
        ];
        $found = [];
        foreach ($patterns as $pattern) {
            if (preg_match_all($pattern, $text, $matches) > 0) {
                foreach ($matches[0] as $match) {
                    $found[] = substr($match, 0, 24) . '…';
                }
            }
        }
        return $found;
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
