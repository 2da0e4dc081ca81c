<?php

namespace KerioSingle\SecretScan;

use WHMCS\Database\Capsule;
use WHMCS\Module\Server\kerioSingle\Engine;

/**
 * Everything a test run (one phpunit process of the module, reliability or browser suites) writes
 * that a secret could leak into, gathered in one run directory, .state/secret-scan/SUITE-PID/, so
 * the scan at the end of `make test` (scan.php) can read it:
 *
 * - evidence/engine-stderr.log: the engine's stderr of every module call. The module runs the
 *   engine named by KERIO_SINGLE_BIN; the run points it at a wrapper that execs the real binary
 *   with stderr appended here (stdin/stdout, arguments and exit status are the real engine's).
 * - evidence/database-logs.txt: tblmodulelog, tblactivitylog and tblmodulequeue errors of every
 *   test, appended before the next test recreates the tables.
 * - evidence/cli-output.txt: stdout and stderr of the admin CLI runs (reliability suites).
 * - evidence/log-N-NAME: copies of the logs of other processes (every emulator, the web harness),
 *   taken when the run ends.
 * - secrets.json: every secret the run recorded (SecretLedger), written when the run ends.
 *
 * Suites may keep scratch files in directory(); only evidence/ is scanned.
 */
final class RunLogs
{
    private static string $directory = '';
    private static string $realEngine = '';
    /** @var array<string, int> log file => offset from which it belongs to this run */
    private static array $keptLogs = [];

    /**
     * Creates the run directory and the engine wrapper, sets KERIO_SINGLE_BIN to the wrapper, and
     * saves the secrets and copies the kept logs when the process ends. Called once per process,
     * by tests/php/bootstrap.php, after the engine binary was checked.
     *
     * @param string $suite module, reliability or browser
     */
    public static function prepare(string $suite): void
    {
        self::$directory = ROOTDIR . '/.state/secret-scan/' . $suite . '-' . getmypid();
        if (!is_dir(self::evidenceDirectory()) && !mkdir(self::evidenceDirectory(), 0700, true)) {
            throw new \RuntimeException('Cannot create ' . self::evidenceDirectory() . '.');
        }
        self::$realEngine = Engine::defaultBinary();
        touch(self::engineStderrFile());
        touch(self::databaseLogFile());
        $wrapper = self::$directory . '/kerio-single';
        file_put_contents($wrapper, "#!/bin/sh\nexec " . escapeshellarg(self::$realEngine) . ' "$@" 2>>'
            . escapeshellarg(self::engineStderrFile()) . "\n");
        chmod($wrapper, 0755);
        putenv(Engine::BINARY_ENV . '=' . $wrapper);
        register_shutdown_function([self::class, 'finish']);
    }

    /** The run directory (scratch space of the suites; evidence/ inside it is scanned). */
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
        return self::evidenceDirectory() . '/engine-stderr.log';
    }

    /** Where tblmodulelog and friends are archived. */
    public static function databaseLogFile(): string
    {
        return self::evidenceDirectory() . '/database-logs.txt';
    }

    /** Where the CLI's output is kept. */
    public static function cliOutputFile(): string
    {
        return self::evidenceDirectory() . '/cli-output.txt';
    }

    /**
     * Keeps the log of another process (an emulator, the web harness) for the scan: the part
     * written from now on, or all of it when $wholeFile (a log created by this run).
     */
    public static function keepLog(string $file, bool $wholeFile = true): void
    {
        clearstatcache(true, $file);
        if (!isset(self::$keptLogs[$file])) {
            self::$keptLogs[$file] = $wholeFile || !is_file($file) ? 0 : (int) filesize($file);
        }
    }

    /**
     * Every file the scan reads while the run is still going (kept logs at their own place).
     *
     * @return list<string>
     */
    public static function scannedFiles(): array
    {
        $own = array_filter([self::engineStderrFile(), self::databaseLogFile(), self::cliOutputFile()], 'is_file');
        return array_merge(array_values($own), array_keys(self::$keptLogs));
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

    /** At the end of the process: copies the kept logs into evidence/ and saves the secrets. */
    public static function finish(): void
    {
        $number = 0;
        foreach (self::$keptLogs as $file => $offset) {
            $number++;
            $copy = self::evidenceDirectory() . '/log-' . $number . '-' . basename(dirname($file)) . '-' . basename($file);
            file_put_contents($copy, (string) @file_get_contents($file, false, null, $offset));
        }
        SecretLedger::save(self::$directory . '/secrets.json');
    }

    private static function evidenceDirectory(): string
    {
        return self::$directory . '/evidence';
    }
}
