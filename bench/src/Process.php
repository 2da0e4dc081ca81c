<?php

namespace KerioSingle\Bench;

/**
 * Runs a helper process of the bench (engine, minimal client, a PHP task) to its end.
 */
final class Process
{
    /**
     * Runs $command with $stdin and returns its stdout; a non-zero exit throws with its stderr.
     * $environment adds to (or replaces in) this process's environment for the child only.
     *
     * @param list<string> $command
     * @param array<string, string> $environment
     */
    public static function run(array $command, string $stdin, array $environment = []): string
    {
        $pipes = [];
        $stderrFile = tempnam(sys_get_temp_dir(), 'bench');
        $childEnvironment = $environment === [] ? null : array_merge(getenv(), $environment);
        $process = proc_open($command, [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['file', $stderrFile, 'w']], $pipes, null, $childEnvironment);
        if (!is_resource($process)) {
            throw new \RuntimeException('Cannot run ' . $command[0]);
        }
        fwrite($pipes[0], $stdin);
        fclose($pipes[0]);
        $stdout = (string) stream_get_contents($pipes[1]);
        fclose($pipes[1]);
        $exitCode = proc_close($process);
        $stderr = (string) file_get_contents($stderrFile);
        unlink($stderrFile);
        if ($exitCode !== 0) {
            throw new \RuntimeException(basename($command[0]) . ' exited ' . $exitCode . ': ' . $stderr);
        }
        return $stdout;
    }
}
