<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * Runs the Rust engine `bin/kerio-single call` as a child process: one JSON request on stdin,
 * one JSON response on stdout, after the partial lines of a streaming `usage`
 * (docs/bridge-protocol.md).
 *
 * Every way the process can fail to answer becomes an EngineError whose message names the fix.
 */
final class Engine
{
    /** Environment variable that overrides the engine path (tests, unusual installs). */
    public const BINARY_ENV = 'KERIO_SINGLE_BIN';

    private const CHUNK_BYTES = 65536;
    /** How a line of partial results starts (written by the engine before its answer). */
    private const PARTIAL_PREFIX = '{"partial":';
    /** First pause (µs) while waiting for the engine to exit, doubled up to EXIT_POLL_MAX_US. */
    private const EXIT_POLL_FIRST_US = 100;
    private const EXIT_POLL_MAX_US = 2000;
    private const STDERR_SUMMARY_BYTES = 300;
    /**
     * Most bytes read of the answer of any op but UNBOUNDED_OPS (the engine caps its answer line
     * at 1 MiB, crates/kerio-single/src/bridge.rs): a hostile Kerio server's 50 MB description
     * never reaches PHP's memory (issue 17.8).
     */
    public const MAX_ANSWER_BYTES = 1048576;
    /** The ops whose answers grow with the number of mailboxes (read within the cron's memory, bench/README.md). */
    public const UNBOUNDED_OPS = ['list_accounts', 'usage'];
    /** Most bytes of the engine's stderr kept (only its first line is ever shown). */
    private const STDERR_KEPT_BYTES = 65536;

    private string $binary;
    private int $timeoutSeconds;

    /**
     * @param string $binary         absolute path of the engine executable
     * @param int    $timeoutSeconds wall-clock limit for one engine run; the process is killed after it
     */
    public function __construct(string $binary, int $timeoutSeconds)
    {
        $this->binary = $binary;
        $this->timeoutSeconds = max(1, $timeoutSeconds);
    }

    /**
     * The engine shipped in the module's bin/ folder, or the one named by KERIO_SINGLE_BIN.
     */
    public static function defaultBinary(): string
    {
        $fromEnvironment = getenv(self::BINARY_ENV);
        if (is_string($fromEnvironment) && $fromEnvironment !== '') {
            return $fromEnvironment;
        }
        return dirname(__DIR__) . '/bin/kerio-single';
    }

    /** The path of the executable this runner starts. */
    public function binary(): string
    {
        return $this->binary;
    }

    /**
     * Checks that this PHP can start the engine at all.
     *
     * @throws EngineError (code engine_setup) naming the fix
     */
    public function assertRunnable(): void
    {
        if (!function_exists('proc_open') || self::isDisabledFunction('proc_open')) {
            throw new EngineError(
                EngineError::SETUP,
                'PHP cannot start the Kerio engine: the function proc_open is disabled.',
                'Remove proc_open from disable_functions in the php.ini used by WHMCS (web server and cron).'
            );
        }
        if (!is_file($this->binary)) {
            throw new EngineError(
                EngineError::SETUP,
                'The Kerio engine was not found at ' . $this->binary . '.',
                'Upload the complete module folder including bin/kerio-single.'
            );
        }
        if (!is_executable($this->binary)) {
            throw new EngineError(
                EngineError::SETUP,
                'The Kerio engine at ' . $this->binary . ' is not executable.',
                'Run: chmod 755 ' . $this->binary
            );
        }
    }

    /**
     * Sends one request and returns the decoded response (`ok`, `result`/`error`, `transcript`).
     *
     * With $onPartial, the lines `{"partial": {…}}` the engine writes before its answer (a
     * streaming `usage`, docs/bridge-protocol.md) are handed to it, decoded, while the engine
     * runs; if it throws, the engine is stopped and the exception passes through.
     *
     * @param array<string, mixed> $request the bridge request (v, op, server, args)
     * @param (callable(array<string, mixed>): void)|null $onPartial
     * @return array<string, mixed>
     * @throws EngineError when the engine cannot be run or does not answer with a bridge response
     */
    public function run(array $request, ?callable $onPartial = null): array
    {
        $this->assertRunnable();
        $payload = json_encode($request, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR);
        $op = (string) ($request['op'] ?? '');
        $limit = in_array($op, self::UNBOUNDED_OPS, true) ? null : self::MAX_ANSWER_BYTES + 1;
        [$stdout, $stderr, $exitCode] = $this->exchange($payload, $onPartial, $limit, $op);
        return $this->decodeResponse($stdout, $stderr, $exitCode);
    }

    /**
     * Runs the process, feeds stdin and collects stdout/stderr until it exits or the deadline passes.
     *
     * @param (callable(array<string, mixed>): void)|null $onPartial
     * @param int|null $limit most bytes of stdout read (the answer and its newline); null = no limit
     * @return array{0: string, 1: string, 2: int}
     * @throws EngineError when the answer is longer than $limit
     */
    private function exchange(string $payload, ?callable $onPartial, ?int $limit, string $op): array
    {
        $pipes = [];
        $process = @proc_open(
            [$this->binary, 'call'],
            [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $pipes
        );
        if (!is_resource($process)) {
            throw new EngineError(
                EngineError::SETUP,
                'PHP could not start the Kerio engine at ' . $this->binary . '.',
                'Check that the file is a Linux executable for this server and that PHP may run programs.'
            );
        }
        foreach ($pipes as $pipe) {
            stream_set_blocking($pipe, false);
        }
        $output = $this->pump($process, $pipes, $payload, $onPartial, $limit);
        if ($output === null) {
            throw new EngineError(
                EngineError::OUTPUT,
                'The Kerio engine\'s answer to ' . $op . ' is longer than ' . self::MAX_ANSWER_BYTES
                    . ' bytes; it was not read further and nothing was done with it.',
                'Make sure bin/kerio-single comes from the same module release (it keeps its answers below this size). If it does, the Kerio server sends unusually large data: look at the mailbox in Kerio Administration.'
            );
        }
        return [$output[1], $output[2], $this->waitForExit($process)];
    }

    /**
     * Moves bytes between PHP and the child until both output pipes close.
     *
     * @param resource               $process
     * @param array<int, resource>   $pipes
     * @param (callable(array<string, mixed>): void)|null $onPartial
     * @param int|null $limit most bytes of stdout read; past it the engine is stopped
     * @return array<int, string>|null collected output by descriptor number (1, 2); null when
     *         stdout went past $limit (the engine was stopped)
     */
    private function pump($process, array $pipes, string $payload, ?callable $onPartial, ?int $limit): ?array
    {
        $deadline = microtime(true) + $this->timeoutSeconds;
        $output = [1 => '', 2 => ''];
        $open = [1 => $pipes[1], 2 => $pipes[2]];
        $stdin = $pipes[0];
        $fed = 0;
        while ($open !== []) {
            $remaining = $deadline - microtime(true);
            if ($remaining <= 0) {
                $this->abort($process, $pipes);
                throw new EngineError(
                    EngineError::TIMEOUT,
                    'The Kerio engine did not finish within ' . $this->timeoutSeconds . ' seconds and was stopped.',
                    'Check that the Kerio server answers, or raise `timeout` in the server\'s Access Hash.'
                );
            }
            $read = array_values($open);
            $write = $stdin === null ? [] : [$stdin];
            $except = null;
            $seconds = (int) floor($remaining);
            $ready = @stream_select($read, $write, $except, $seconds, (int) (($remaining - $seconds) * 1e6));
            if ($ready === false) {
                continue;
            }
            if ($write !== []) {
                $fed = $this->feed($stdin, $payload, $fed);
                if ($fed >= strlen($payload)) {
                    fclose($stdin);
                    $stdin = null;
                }
            }
            foreach ($open as $number => $pipe) {
                if (!in_array($pipe, $read, true)) {
                    continue;
                }
                $chunk = fread($pipe, $this->readSize($number, strlen($output[$number]), $limit));
                if (is_string($chunk) && ($number === 1 || strlen($output[2]) < self::STDERR_KEPT_BYTES)) {
                    $output[$number] .= $chunk;
                }
                if ($number === 1 && $limit !== null && strlen($output[1]) > $limit) {
                    $this->abort($process, $pipes);
                    return null;
                }
                if ($number === 1 && $onPartial !== null) {
                    try {
                        $output[1] = $this->passPartials($output[1], $onPartial);
                    } catch (\Throwable $failure) {
                        $this->abort($process, $pipes);
                        throw $failure;
                    }
                }
                if (feof($pipe)) {
                    fclose($pipe);
                    unset($open[$number]);
                }
            }
        }
        if ($stdin !== null) {
            fclose($stdin);
        }
        return $output;
    }

    /**
     * How many bytes to read next from descriptor $number holding $held bytes: a chunk, but on
     * stdout never past $limit + 1 (one byte more tells an answer of exactly $limit from a longer one).
     */
    private function readSize(int $number, int $held, ?int $limit): int
    {
        if ($number !== 1 || $limit === null) {
            return self::CHUNK_BYTES;
        }
        return max(1, min(self::CHUNK_BYTES, $limit + 1 - $held));
    }

    /**
     * Hands every complete `{"partial": …}` line at the start of $stdout to $onPartial and returns
     * the rest (the answer, or a line not complete yet).
     *
     * @param callable(array<string, mixed>): void $onPartial
     * @throws EngineError when a partial line is not JSON
     */
    private function passPartials(string $stdout, callable $onPartial): string
    {
        $start = 0;
        while ($start < strlen($stdout)
            && substr_compare($stdout, self::PARTIAL_PREFIX, $start, strlen(self::PARTIAL_PREFIX)) === 0
            && ($end = strpos($stdout, "\n", $start)) !== false) {
            $partial = json_decode(substr($stdout, $start, $end - $start), true);
            $start = $end + 1;
            if (!is_array($partial) || !is_array($partial['partial'] ?? null)) {
                throw self::unreadableOutput();
            }
            $onPartial($partial['partial']);
        }
        return $start === 0 ? $stdout : substr($stdout, $start);
    }

    /**
     * Writes the request from byte $from on, as much of at most CHUNK_BYTES as the pipe takes, and
     * returns where the next write starts. Only the chunk is copied: copying the rest of the
     * request after each write made feeding a 100,000-address request (2.5 MB, ~40 writes)
     * move 50 MB, and grew with the square of the request. A closed pipe (engine exited early)
     * drops the rest: the exit status tells the story.
     *
     * @param resource $stdin
     */
    private function feed($stdin, string $payload, int $from): int
    {
        $written = @fwrite($stdin, substr($payload, $from, self::CHUNK_BYTES));
        if ($written === false) {
            return strlen($payload);
        }
        return $from + $written;
    }

    /**
     * Waits for the child to exit and returns its exit status (128 + signal when killed).
     * The engine has closed its output by now and exits within a millisecond or two, so the wait
     * is polled every 0.1 ms at first, backing off to 2 ms: a fixed 2 ms sleep added about a
     * millisecond to every action on average (make bench, bench/README.md).
     *
     * @param resource $process
     */
    private function waitForExit($process): int
    {
        $pause = self::EXIT_POLL_FIRST_US;
        $status = proc_get_status($process);
        while ($status['running']) {
            usleep($pause);
            $pause = min(2 * $pause, self::EXIT_POLL_MAX_US);
            $status = proc_get_status($process);
        }
        proc_close($process);
        if ($status['signaled']) {
            return 128 + (int) $status['termsig'];
        }
        return (int) $status['exitcode'];
    }

    /**
     * Kills a runaway engine and releases its pipes.
     *
     * @param resource             $process
     * @param array<int, resource> $pipes
     */
    private function abort($process, array $pipes): void
    {
        proc_terminate($process, 9);
        foreach ($pipes as $pipe) {
            if (is_resource($pipe)) {
                fclose($pipe);
            }
        }
        proc_close($process);
    }

    /**
     * Turns the raw process output into a bridge response, or explains why it is not one.
     *
     * @return array<string, mixed>
     */
    private function decodeResponse(string $stdout, string $stderr, int $exitCode): array
    {
        $response = json_decode($stdout, true);
        if (is_array($response) && array_key_exists('ok', $response)) {
            return $response;
        }
        $detail = self::summarise($stderr);
        if ($exitCode !== 0 || trim($stdout) === '') {
            throw new EngineError(
                EngineError::CRASHED,
                'The Kerio engine stopped without an answer (exit status ' . $exitCode . ')'
                    . ($detail === '' ? '.' : ': ' . $detail),
                'Re-upload bin/kerio-single from the module package built for this server (Linux x86_64).'
            );
        }
        throw self::unreadableOutput();
    }

    /** The error for output that is not the bridge's. */
    private static function unreadableOutput(): EngineError
    {
        return new EngineError(
            EngineError::OUTPUT,
            'The Kerio engine answered with unreadable output.',
            'Make sure bin/kerio-single and kerioSingle.php come from the same module release.'
        );
    }

    /** The first line of the engine's stderr, shortened; the engine never writes secrets there. */
    private static function summarise(string $stderr): string
    {
        $firstLine = strtok(trim($stderr), "\n");
        if ($firstLine === false) {
            return '';
        }
        return mb_strimwidth(trim($firstLine), 0, self::STDERR_SUMMARY_BYTES, '…');
    }

    /** True when php.ini's disable_functions lists the function. */
    private static function isDisabledFunction(string $name): bool
    {
        $disabled = array_map('trim', explode(',', (string) ini_get('disable_functions')));
        return in_array($name, $disabled, true);
    }
}
