<?php

namespace KerioSingle\Reliability\Support;

use WHMCS\Database\Capsule;
use WHMCS\Module\Server\kerioSingle\Engine;

/**
 * Everything the reliability suites write that a secret could leak into, gathered in one run
 * directory (.state/reliability-PID/) so the secret scan can read it at the end:
 *
 * - engine-stderr.log: the engine's stderr of every module call. The module runs the engine named
 *   by KERIO_SINGLE_BIN; this run points it at a wrapper that execs the real binary with stderr
 *   appended here (stdin/stdout, arguments and exit status are the real engine's).
 * - database-logs.txt: tblmodulelog, tblactivitylog and tblmodulequeue errors of every test,
 *   appended before the next test recreates the tables.
 * - cli-output.txt: stdout and stderr of the admin CLI runs.
 * - emulator logs: the shared emulator's and those of the suites' own emulators.
 */
final class RunLogs
{
    private static string $directory = '';
    private static string $realEngine = '';
    /** @var list<string> */
    private static array $emulatorLogs = [];

    /** Creates the run directory and the engine wrapper; sets KERIO_SINGLE_BIN to the wrapper. */
    public static function prepare(): void
    {
        self::$directory = ROOTDIR . '/.state/reliability-' . getmypid();
        if (!is_dir(self::$directory) && !mkdir(self::$directory, 0700, true)) {
            throw new \RuntimeException('Cannot create ' . self::$directory . '.');
        }
        self::$realEngine = Engine::defaultBinary();
        $wrapper = self::$directory . '/kerio-single';
        file_put_contents($wrapper, "#!/bin/sh\nexec " . escapeshellarg(self::$realEngine) . ' "$@" 2>>'
            . escapeshellarg(self::engineStderrFile()) . "\n");
        chmod($wrapper, 0755);
        putenv(Engine::BINARY_ENV . '=' . $wrapper);
    }

    /** The run directory. */
    public static function directory(): string
    {
        return self::$directory;
    }

    /** The engine binary itself (not the wrapper), for the CLI runs. */
    public static function realEngine(): string
    {
        return self::$realEngine;
    }

    /** Where the engine's stderr goes. */
    public static function engineStderrFile(): string
    {
        return self::$directory . '/engine-stderr.log';
    }

    /** Where tblmodulelog and friends are archived. */
    public static function databaseLogFile(): string
    {
        return self::$directory . '/database-logs.txt';
    }

    /** Where the CLI's output is kept. */
    public static function cliOutputFile(): string
    {
        return self::$directory . '/cli-output.txt';
    }

    /** Registers the log of an emulator started by a suite. */
    public static function addEmulatorLog(string $file): void
    {
        self::$emulatorLogs[] = $file;
    }

    /**
     * Every file the secret scan reads.
     *
     * @return list<string>
     */
    public static function scannedFiles(): array
    {
        return array_merge(
            [self::engineStderrFile(), self::databaseLogFile(), self::cliOutputFile()],
            array_values(array_unique(self::$emulatorLogs))
        );
    }

    /** Appends the current WHMCS database's logs (written by the test that just ran). */
    public static function archiveDatabaseLogs(string $testName): void
    {
        $lines = ['=== ' . $testName];
        foreach (Capsule::table('tblmodulelog')->orderBy('id')->get() as $row) {
            $lines[] = implode("\n", [$row->action, $row->request, $row->response, $row->arrdata]);
        }
        foreach (Capsule::table('tblactivitylog')->orderBy('id')->pluck('description') as $description) {
            $lines[] = (string) $description;
        }
        foreach (Capsule::table('tblmodulequeue')->pluck('last_attempt_error') as $error) {
            $lines[] = (string) $error;
        }
        file_put_contents(self::databaseLogFile(), implode("\n", $lines) . "\n", FILE_APPEND);
    }

    /** Appends one CLI run's command line (without secrets) and output. */
    public static function appendCliOutput(string $command, string $stdout, string $stderr): void
    {
        file_put_contents(self::cliOutputFile(), "$ {$command}\n{$stdout}\n{$stderr}\n", FILE_APPEND);
    }
}
