<?php

namespace KerioSingle\Bench;

/**
 * Runs a helper process of the bench (engine, minimal client, a PHP task) to its end.
 */
final class Process
{
    /**
     * Runs $command with $stdin and returns its stdout; a non-zero exit throws with its stderr.
     *
     * @param list<string> $command
     */
    public static function run(array $command, string $stdin): string
    {
        $pipes = [];
        $stderrFile = tempnam(sys_get_temp_dir(), 'bench');
        $process = proc_open($command, [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['file', $stderrFile, 'w']], $pipes);
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
