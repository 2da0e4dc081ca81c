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
    /**
     * Successful exchanges of one method in a row logged one by one; the rest of such a run is one
     * summary row. A usage update reads one Users.get page per domain: hundreds of log rows (each
     * an INSERT, and the log table WHMCS keeps) would say nothing the first two do not.
     */
    private const REPEATS_LOGGED = 2;

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
     * Logs the engine's transcript: each exchange, except that of a run of successful exchanges of
     * the same method only the first REPEATS_LOGGED are logged and the rest as one summary row.
     * A failed exchange (Kerio error or no answer) is always logged in full.
     *
     * @param list<array<string, mixed>> $exchanges {method, request, response, ms} each
     */
    public function transcript(array $exchanges): void
    {
        $run = ['method' => null, 'length' => 0, 'folded' => 0, 'ms' => 0];
        foreach ($exchanges as $exchange) {
            $method = (string) ($exchange['method'] ?? 'unknown');
            $failed = self::failed($exchange);
            if ($failed || $method !== $run['method']) {
                $this->foldedRun($run);
                $run = ['method' => $failed ? null : $method, 'length' => 0, 'folded' => 0, 'ms' => 0];
            }
            if (++$run['length'] <= self::REPEATS_LOGGED || $failed) {
                $this->exchange($exchange);
                continue;
            }
            $run['folded']++;
            $run['ms'] += (int) ($exchange['ms'] ?? 0);
        }
        $this->foldedRun($run);
    }

    /**
     * Logs one Kerio API exchange from the engine's transcript.
     *
     * @param array<string, mixed> $exchange {method, request, response, ms}
     */
    private function exchange(array $exchange): void
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
        $this->note($request, $message);
    }

    /**
     * Logs what the action decided without a Kerio exchange (e.g. how it read the order password),
     * so an admin can see it in the module log; never pass a secret as $request or $message.
     *
     * @param array<string, mixed>|string $request what the decision was about
     */
    public function note($request, string $message): void
    {
        $this->write($this->action, is_string($request) ? $request : self::json($request), $message, '');
    }

    /**
     * The summary row of the exchanges of a run that were not logged one by one (none: no row).
     *
     * @param array{method: ?string, length: int, folded: int, ms: int} $run
     */
    private function foldedRun(array $run): void
    {
        if ($run['folded'] === 0) {
            return;
        }
        $this->write(
            $this->action . ' ' . $run['method'],
            $run['folded'] . ' more ' . $run['method'] . ' exchanges like the ones above, not logged one by one',
            'All ' . $run['folded'] . ' succeeded.',
            $run['ms'] . ' ms in total'
        );
    }

    /**
     * Whether the exchange failed: Kerio answered with an error, or there was no answer.
     *
     * @param array<string, mixed> $exchange
     */
    private static function failed(array $exchange): bool
    {
        $response = $exchange['response'] ?? null;
        return !is_array($response) || isset($response['error']) || isset($response['clientError']);
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
