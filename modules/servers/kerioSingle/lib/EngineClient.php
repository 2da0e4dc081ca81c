<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * Calls engine operations for one module action against one Kerio server and logs every
 * Kerio exchange of the answer's transcript to the module log.
 */
final class EngineClient
{
    /** Bridge protocol version this module speaks. */
    public const PROTOCOL_VERSION = 1;
    /** Extra seconds the whole engine run may take beyond the Kerio requests it makes. */
    private const PROCESS_SLACK_SECONDS = 15;
    /** Kerio requests one operation may need at most (login, lookups, change, logout). */
    private const REQUESTS_PER_OPERATION = 4;

    private Engine $engine;
    private ?ServerSettings $server;
    private ModuleLog $log;

    /**
     * @param ServerSettings|null $server null for operations that need no server (check_password)
     */
    public function __construct(Engine $engine, ?ServerSettings $server, ModuleLog $log)
    {
        $this->engine = $engine;
        $this->server = $server;
        $this->log = $log;
    }

    /**
     * The client for a WHMCS function call: server from the params, default engine binary,
     * module log masking the admin password and the mailbox passwords in the params.
     *
     * @param array<string, mixed> $params WHMCS module params
     * @throws SettingsError when the server settings are malformed
     */
    public static function forParams(array $params, string $action): self
    {
        $server = ServerSettings::fromParams($params);
        $log = new ModuleLog($action, array_merge([$server->password()], Lifecycle::secretsOf($params)));
        return new self(self::engineFor($server), $server, $log);
    }

    /**
     * A client that talks to no server (password checks).
     */
    public static function offline(string $action): self
    {
        return new self(new Engine(Engine::defaultBinary(), self::PROCESS_SLACK_SECONDS), null, new ModuleLog($action, []));
    }

    /** The engine runner with a deadline fitted to the server's request timeout. */
    public static function engineFor(ServerSettings $server): Engine
    {
        $seconds = $server->timeoutSeconds() * self::REQUESTS_PER_OPERATION + self::PROCESS_SLACK_SECONDS;
        return new Engine(Engine::defaultBinary(), $seconds);
    }

    /** The module log this client writes (to add secrets or log own failures). */
    public function log(): ModuleLog
    {
        return $this->log;
    }

    /** The engine runner (for TestConnection's pre-flight check). */
    public function engine(): Engine
    {
        return $this->engine;
    }

    /**
     * Runs one engine operation and returns its `result`.
     *
     * @param array<string, mixed> $args      operation arguments (docs/bridge-protocol.md)
     * @param list<string>         $secrets   further secret values inside $args, masked in the log
     * @param (callable(array<string, mixed>): void)|null $onPartial receives the partial results
     *        a streaming operation writes before its answer (Engine::run)
     * @return array<string, mixed>
     * @throws EngineError with the engine's error code, message and hint
     */
    public function call(string $op, array $args, array $secrets = [], ?callable $onPartial = null): array
    {
        $this->log->addSecrets($secrets);
        if ($this->server !== null) {
            // Every op on a Kerio server says which WHMCS installation asks (the mailbox marks).
            $args += ['installation' => Installation::id()];
        }
        $request = [
            'v' => self::PROTOCOL_VERSION,
            'op' => $op,
            'server' => $this->server === null ? null : $this->server->toBridge(),
            'args' => (object) $args,
        ];
        try {
            $response = $this->engine->run($request, $onPartial);
        } catch (EngineError $error) {
            $this->log->failure(['op' => $op, 'args' => $args], $error->describe());
            throw $error;
        }
        $this->log->transcript(array_map(static fn ($exchange): array => (array) $exchange, (array) ($response['transcript'] ?? [])));
        if (($response['ok'] ?? false) !== true) {
            $error = EngineError::fromBridge((array) ($response['error'] ?? []));
            $reason = $error->reason() === '' ? '' : ' [reason: ' . $error->reason() . ']';
            $this->log->failure(['op' => $op, 'args' => $args], $error->errorCode() . ': ' . $error->describeForAdmin() . $reason);
            throw $error;
        }
        return (array) ($response['result'] ?? []);
    }
}
