<?php

namespace KerioSingle\Reliability\Support;

use KerioSingle\Harness\Emulator;
use KerioSingle\SecretScan\RunLogs;

/**
 * Runs the engine's admin CLI (`kerio-single …`) against an emulator the way an admin on a shell
 * does: the admin password only in KERIO_PASSWORD, a mailbox password only on stdin. Every run's
 * output is appended to the run's CLI log for the secret scan.
 */
final class AdminCli
{
    /**
     * @param list<string> $arguments
     * @return array{exit: int, stdout: string, stderr: string}
     */
    public static function run(Emulator $emulator, array $arguments, string $stdin, string $adminPassword): array
    {
        $environment = [
            'KERIO_HOST' => '127.0.0.1',
            'KERIO_PORT' => (string) $emulator->adminPort(),
            'KERIO_USER' => Emulator::ADMIN_USER,
            'KERIO_PASSWORD' => $adminPassword,
            'KERIO_FINGERPRINT' => $emulator->fingerprint(),
            'PATH' => (string) getenv('PATH'),
        ];
        $pipes = [];
        $process = proc_open(array_merge([RunLogs::realEngine()], $arguments), [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $environment);
        if (!is_resource($process)) {
            throw new \RuntimeException('Cannot run ' . RunLogs::realEngine());
        }
        fwrite($pipes[0], $stdin);
        fclose($pipes[0]);
        $stdout = (string) stream_get_contents($pipes[1]);
        $stderr = (string) stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        $exitCode = proc_close($process);
        RunLogs::appendCliOutput('kerio-single ' . implode(' ', $arguments) . ' (exit ' . $exitCode . ')', $stdout, $stderr);
        return ['exit' => $exitCode, 'stdout' => $stdout, 'stderr' => $stderr];
    }
}
