<?php

declare(strict_types=1);

namespace KerioSingle\Tests\Browser;

/**
 * The web harness (harness/web/router.php) on PHP's built-in server at a free loopback port.
 * The child inherits this process's environment, so it reaches the same database, engine and
 * encryption key as the test that prepared the rows.
 */
final class WebServer
{
    /** @var resource */
    private $process;
    private int $port;
    private string $logFile;

    private function __construct($process, int $port, string $logFile)
    {
        $this->process = $process;
        $this->port = $port;
        $this->logFile = $logFile;
    }

    /** Starts the server and waits until it accepts connections. */
    public static function start(string $logFile): self
    {
        $port = self::freePort();
        $root = dirname(__DIR__, 2);
        $command = [PHP_BINARY, '-S', '127.0.0.1:' . $port, '-t', $root . '/harness/web', $root . '/harness/web/router.php'];
        $process = proc_open($command, [0 => ['file', '/dev/null', 'r'], 1 => ['file', $logFile, 'a'], 2 => ['file', $logFile, 'a']], $pipes);
        if (!is_resource($process)) {
            throw new \RuntimeException('could not start php -S for the web harness');
        }
        $server = new self($process, $port, $logFile);
        $server->waitUntilListening();
        return $server;
    }

    /** Base URL with a trailing slash, e.g. http://127.0.0.1:40123/. */
    public function url(): string
    {
        return 'http://127.0.0.1:' . $this->port . '/';
    }

    /** Stops the server (idempotent). */
    public function stop(): void
    {
        if (is_resource($this->process)) {
            proc_terminate($this->process);
            proc_close($this->process);
        }
    }

    /** Stops the server when the test process ends. */
    public function __destruct()
    {
        $this->stop();
    }

    private function waitUntilListening(): void
    {
        $deadline = microtime(true) + 10;
        while (microtime(true) < $deadline) {
            $socket = @fsockopen('127.0.0.1', $this->port, $errno, $error, 0.2);
            if ($socket !== false) {
                fclose($socket);
                return;
            }
            usleep(100000);
        }
        throw new \RuntimeException('php -S did not start on port ' . $this->port . '; see ' . $this->logFile);
    }

    private static function freePort(): int
    {
        $socket = stream_socket_server('tcp://127.0.0.1:0');
        if ($socket === false) {
            throw new \RuntimeException('no free loopback port');
        }
        $name = (string) stream_socket_get_name($socket, false);
        fclose($socket);
        return (int) substr($name, strrpos($name, ':') + 1);
    }
}
