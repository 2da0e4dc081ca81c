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
 * The message says what happened, the hint what to do; neither ever contains a secret, and both
 * are fit for the customer: what only staff may read (who holds an address) is the admin detail
 * (bridge `admin_detail`), shown by describeForAdmin() in admin texts and the module log only.
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

    /** The mailbox exists but is not this WHMCS service's (`reason()` says why). */
    public const NOT_OWNED = 'not_owned';
    /** `not_owned` reason: the mailbox carries no service's mark; an admin may adopt it. */
    public const REASON_NO_MARK = 'no_mark';
    /** A smaller quota was refused because the mailbox uses more (nothing was changed). */
    public const QUOTA_BELOW_USAGE = 'quota_below_usage';

    private string $errorCode;
    private string $hint;
    private string $reason;
    private string $adminDetail = '';

    /**
     * @param string $errorCode a bridge error code (docs/bridge-protocol.md) or one of the constants above
     * @param string $message   what happened
     * @param string $hint      what to do about it ('' when there is nothing to add)
     * @param string $reason    why a mailbox is not this service's (`not_owned` only, else '')
     */
    public function __construct(string $errorCode, string $message, string $hint = '', string $reason = '')
    {
        parent::__construct($message);
        $this->errorCode = $errorCode;
        $this->hint = $hint;
        $this->reason = $reason;
    }

    /**
     * Builds the error from the `error` object of a bridge response.
     *
     * @param array<string, mixed> $error
     */
    public static function fromBridge(array $error): self
    {
        $built = new self(
            (string) ($error['code'] ?? 'unknown'),
            (string) ($error['message'] ?? 'The engine reported an error without a message.'),
            (string) ($error['hint'] ?? ''),
            (string) ($error['reason'] ?? '')
        );
        $built->adminDetail = trim((string) ($error['admin_detail'] ?? ''));
        return $built;
    }

    /** The stable error code, e.g. `quota_below_usage`. */
    public function errorCode(): string
    {
        return $this->errorCode;
    }

    /** Why the mailbox is not this service's: admin_role, no_mark, other_service, outside_domains ('' for other codes). */
    public function reason(): string
    {
        return $this->reason;
    }

    /** What the admin or customer should do ('' when unknown). */
    public function hint(): string
    {
        return $this->hint;
    }

    /** Message and hint as one sentence pair: the form a customer may read. */
    public function describe(): string
    {
        $message = rtrim($this->getMessage());
        return $this->hint === '' ? $message : $message . ' ' . rtrim($this->hint);
    }

    /** describe() followed by what only staff may read (e.g. who holds an address): admin texts and the module log. */
    public function describeForAdmin(): string
    {
        return $this->adminDetail === '' ? $this->describe() : $this->describe() . ' ' . $this->adminDetail;
    }
}
