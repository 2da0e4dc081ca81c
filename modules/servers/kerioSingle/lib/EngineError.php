<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * A failure reported by the engine (a stable bridge error code such as `already_taken`),
 * or the engine could not be run at all (code `engine_setup`, `engine_crashed`, `engine_timeout`,
 * `engine_output`).
 *
 * The message says what happened, the hint what to do; neither ever contains a secret.
 */
final class EngineError extends \RuntimeException
{
    /** The engine binary is missing, not executable, or proc_open is disabled. */
    public const SETUP = 'engine_setup';
    /** The engine process died without writing a response. */
    public const CRASHED = 'engine_crashed';
    /** The engine process ran longer than allowed and was stopped. */
    public const TIMEOUT = 'engine_timeout';
    /** The engine wrote something that is not a bridge response. */
    public const OUTPUT = 'engine_output';

    private string $errorCode;
    private string $hint;

    /**
     * @param string $errorCode a bridge error code (docs/bridge-protocol.md) or one of the constants above
     * @param string $message   what happened
     * @param string $hint      what to do about it ('' when there is nothing to add)
     */
    public function __construct(string $errorCode, string $message, string $hint = '')
    {
        parent::__construct($message);
        $this->errorCode = $errorCode;
        $this->hint = $hint;
    }

    /**
     * Builds the error from the `error` object of a bridge response.
     *
     * @param array<string, mixed> $error
     */
    public static function fromBridge(array $error): self
    {
        return new self(
            (string) ($error['code'] ?? 'unknown'),
            (string) ($error['message'] ?? 'The engine reported an error without a message.'),
            (string) ($error['hint'] ?? '')
        );
    }

    /** The stable error code, e.g. `quota_below_usage`. */
    public function errorCode(): string
    {
        return $this->errorCode;
    }

    /** What the admin or customer should do ('' when unknown). */
    public function hint(): string
    {
        return $this->hint;
    }

    /** Message and hint as one sentence pair, the form shown in WHMCS. */
    public function describe(): string
    {
        $message = rtrim($this->getMessage());
        return $this->hint === '' ? $message : $message . ' ' . rtrim($this->hint);
    }
}
