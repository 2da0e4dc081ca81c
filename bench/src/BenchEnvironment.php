<?php

namespace KerioSingle\Bench;

use KerioSingle\Harness\Database;
use KerioSingle\Harness\Emulator;
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
     * Starts an emulator on a state directory of this run (which may be seeded first).
     */
    public function emulator(string $name): Emulator
    {
        return Emulator::start($this->path($name), self::ADMIN_PASSWORD);
    }

    /** A WHMCS with empty tables (the previous contents are dropped). */
    public function freshWhmcs(): Whmcs
    {
        $whmcs = Whmcs::install(Database::configFromEnvironment());
        $whmcs->updateUsageStatisticsDaily(true);
        return $whmcs;
    }

    /**
     * Makes the module run the engine under /usr/bin/time; returns the file its peak RSS (KB) is
     * written to after each run.
     */
    public function measureEngineMemory(): string
    {
        $rssFile = $this->path('engine-rss-kb');
        $wrapper = $this->path('kerio-single-timed');
        file_put_contents($wrapper, "#!/bin/sh\nexec /usr/bin/time -f %M -o " . escapeshellarg($rssFile) . ' '
            . escapeshellarg($this->engine) . " \"\$@\"\n");
        chmod($wrapper, 0755);
        putenv(Engine::BINARY_ENV . '=' . $wrapper);
        return $rssFile;
    }
}
