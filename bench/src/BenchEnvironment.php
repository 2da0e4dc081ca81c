<?php

namespace KerioSingle\Bench;

use KerioSingle\Harness\Database;
use KerioSingle\Harness\Emulator;
use KerioSingle\Harness\Settings;
use KerioSingle\Harness\Whmcs;
use WHMCS\Module\Server\kerioSingle\Engine;

/**
 * The processes and files of one bench run: the run directory (.state/bench-PID/), emulators
 * started in it, fresh WHMCS databases (MariaDB, via the PHP suites' bootstrap) and the engine
 * wrapper that records the engine's peak memory with /usr/bin/time.
 */
final class BenchEnvironment
{
    /** Admin password of the bench emulators. */
    public const ADMIN_PASSWORD = 'Bench-Adm1n-Secret!';

    private string $directory;
    private string $engine;

    public function __construct()
    {
        $this->directory = ROOTDIR . '/.state/bench-' . getmypid();
        exec('rm -rf ' . escapeshellarg($this->directory));
        mkdir($this->directory, 0700, true);
        $this->engine = Engine::defaultBinary();
    }

    /**
     * Deletes the run directory (the seeded emulator states are ~110 MB a run); called once the
     * bench has written its results. A run that fails keeps it, to look at its logs.
     */
    public function remove(): void
    {
        exec('rm -rf ' . escapeshellarg($this->directory));
    }

    /** The engine binary itself. */
    public function engine(): string
    {
        return $this->engine;
    }

    /** A path inside the run directory. */
    public function path(string $name): string
    {
        return $this->directory . '/' . $name;
    }

    /**
     * Starts an emulator on a state directory of this run (which may be seeded first), as if the
     * WHMCS host were $rttMs away (`serve --latency-ms`, docs/emulator.md).
     */
    public function emulator(string $name, int $rttMs = 0): Emulator
    {
        return Emulator::start($this->path($name), self::ADMIN_PASSWORD, ['--latency-ms', (string) $rttMs]);
    }

    /**
     * A WHMCS with empty tables (the previous contents are dropped), set up as WHMCS runs in
     * production: usage statistics updated daily, module debug logging off (Utilities > Logs >
     * Module Log; WHMCS advises enabling it only while troubleshooting; bench/README.md gives
     * what logging every exchange adds).
     */
    public function freshWhmcs(): Whmcs
    {
        $whmcs = Whmcs::install(Database::configFromEnvironment());
        $whmcs->updateUsageStatisticsDaily(true);
        Settings::set('ModuleDebugMode', '');
        return $whmcs;
    }

    /**
     * Writes a wrapper that runs the engine under /usr/bin/time, for one WHMCS task to use
     * (WhmcsTask passes it to that process only: the actions the bench times in this process keep
     * the bare engine). With $answerFile, a copy of the engine's answer (stdout) is kept there too
     * (through `tee`, so the module still reads it from the pipe as it is written).
     *
     * @return array{wrapper: string, rss_file: string} the wrapper, and the file its peak RSS (KB) is written to after each run
     */
    public function engineUnderTime(?string $answerFile = null): array
    {
        $rssFile = $this->path('engine-rss-kb');
        $wrapper = $this->path('kerio-single-timed');
        $timed = '/usr/bin/time -f %M -o ' . escapeshellarg($rssFile) . ' ' . escapeshellarg($this->engine) . ' "$@"';
        $script = $answerFile === null
            ? "#!/bin/bash\nexec {$timed}\n"
            : "#!/bin/bash\nset -o pipefail\n{$timed} | tee " . escapeshellarg($answerFile) . "\n";
        file_put_contents($wrapper, $script);
        chmod($wrapper, 0755);
        return ['wrapper' => $wrapper, 'rss_file' => $rssFile];
    }
}
