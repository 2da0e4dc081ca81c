<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * Writes the WHMCS module log (logModuleCall) for one module action.
 *
 * logModuleCall masks literal secret VALUES (its last argument), so every secret the action
 * handles is passed in, together with the forms it takes inside the logged text: as written,
 * JSON-escaped (passwords with `"` or `\`) and HTML-escaped. WHMCS only writes the log when
 * Module Debug Mode is on.
 */
final class ModuleLog
{
    private const MODULE = 'kerioSingle';
    /** What replaces a secret in a message (as in the engine's responses). */
    private const MASK = '********';
    /** Shorter secrets are masked only where they are the whole text (see mask()). */
    private const MIN_SUBSTRING_SECRET = 4;

    private string $action;
    /** @var list<string> */
    private array $secrets = [];

    /**
     * @param string        $action  the WHMCS function, e.g. CreateAccount
     * @param list<string>  $secrets secret values (admin password, mailbox passwords)
     */
    public function __construct(string $action, array $secrets)
    {
        $this->action = $action;
        $this->addSecrets($secrets);
    }

    /**
     * Adds secret values to mask in every later entry (empty strings are ignored).
     *
     * @param list<string> $secrets
     */
    public function addSecrets(array $secrets): void
    {
        foreach ($secrets as $secret) {
            $this->secrets = array_merge($this->secrets, self::variants((string) $secret));
        }
        $this->secrets = array_values(array_unique($this->secrets));
        usort($this->secrets, static fn (string $a, string $b): int => strlen($b) <=> strlen($a));
    }

    /**
     * $text with every form of each secret (see variants()) replaced by `********`, for messages
     * that leave the module outside logModuleCall (WHMCS error strings, the admin service page).
     * As in the engine's response scrubbing, a form shorter than MIN_SUBSTRING_SECRET bytes is only
     * masked where it is the whole text: masking every "ab" would shred the message.
     *
     * @param list<string> $secrets
     */
    public static function mask(string $text, array $secrets): string
    {
        $forms = [];
        foreach ($secrets as $secret) {
            $forms = array_merge($forms, self::variants((string) $secret));
        }
        usort($forms, static fn (string $a, string $b): int => strlen($b) <=> strlen($a));
        foreach ($forms as $form) {
            if (strlen($form) >= self::MIN_SUBSTRING_SECRET) {
                $text = str_replace($form, self::MASK, $text);
            } elseif ($text === $form) {
                $text = self::MASK;
            }
        }
        return $text;
    }

    /**
     * Logs one Kerio API exchange from the engine's transcript.
     *
     * @param array<string, mixed> $exchange {method, request, response, ms}
     */
    public function exchange(array $exchange): void
    {
        $method = (string) ($exchange['method'] ?? 'unknown');
        $this->write(
            $this->action . ' ' . $method,
            self::json($exchange['request'] ?? null),
            self::json($exchange['response'] ?? null),
            ($exchange['ms'] ?? '?') . ' ms'
        );
    }

    /**
     * Logs a failure that has no Kerio exchange of its own (engine not runnable, bad settings, …).
     *
     * @param array<string, mixed>|string $request what the module tried to do
     */
    public function failure($request, string $message): void
    {
        $this->write($this->action, is_string($request) ? $request : self::json($request), $message, '');
    }

    private function write(string $action, string $request, string $response, string $processed): void
    {
        if (!function_exists('logModuleCall')) {
            return;
        }
        logModuleCall(self::MODULE, $action, $request, $response, $processed, $this->secrets);
    }

    /**
     * @return list<string> the secret as written, JSON-escaped and HTML-escaped
     */
    private static function variants(string $secret): array
    {
        if ($secret === '') {
            return [];
        }
        $jsonEscaped = substr(self::json($secret), 1, -1);
        return [$secret, $jsonEscaped, htmlspecialchars($secret, ENT_QUOTES), htmlspecialchars($secret, ENT_QUOTES | ENT_HTML5)];
    }

    /** @param mixed $value */
    private static function json($value): string
    {
        $text = json_encode($value, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
        return $text === false ? '' : $text;
    }
}
