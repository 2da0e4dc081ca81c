<?php

namespace KerioSingle\Bench;

use KerioSingle\Harness\Emulator;
use KerioSingle\Harness\Whmcs;
use WHMCS\Database\Capsule;

/**
 * Figures 3 and 4: the daily cron's UsageUpdate (through the harness: one module call per server)
 * over N WHMCS services whose mailboxes live on an emulator seeded with `kerio-emulator seed`
 * (users user00001… in domains d001.example…), timed including the database writes, with the
 * exchanges counted by the emulator, the engine's peak memory and the cron process's PHP peak
 * memory; and the Server Sync (ListAccounts) of all seeded mailboxes.
 */
final class UsageAtScale
{
    public const USERS_PER_DOMAIN = 100;
    private const INSERT_CHUNK = 1000;
    /** Cron runs per UsageUpdate figure (the median is reported: single runs varied by ±15 %). */
    private const RUNS = 3;

    private BenchEnvironment $environment;
    private Emulator $emulator;

    public function __construct(BenchEnvironment $environment, Emulator $emulator)
    {
        $this->environment = $environment;
        $this->emulator = $emulator;
    }

    /**
     * Seeds $domains domains of USERS_PER_DOMAIN users into a new state directory (before the
     * emulator serving it starts).
     */
    public static function seed(string $emulatorBinary, string $stateDir, int $domains): void
    {
        $command = escapeshellarg($emulatorBinary) . ' seed --state ' . escapeshellarg($stateDir)
            . ' --domains ' . $domains . ' --users-per-domain ' . self::USERS_PER_DOMAIN . ' 2>&1';
        exec($command, $output, $exitCode);
        if ($exitCode !== 0) {
            throw new \RuntimeException('kerio-emulator seed failed: ' . implode("\n", $output));
        }
    }

    /**
     * A fresh WHMCS with $mailboxes Active services on the seeded mailboxes, then RUNS cron runs,
     * each in a PHP process of its own (WhmcsTask), each started in a later second than the one
     * before, so the services it wrote are those whose `lastupdate` is not older than its start
     * (clearing `lastupdate` between runs would add a 100,000-row UPDATE to the bench that no
     * cron makes). Seconds are the median run; exchanges, memory and the answer size the largest
     * of any run, services written the fewest. With $keepAnswer the engine's answer is copied to
     * a file to count its bytes (answer_bytes; 0 without).
     *
     * @return array{mailboxes: int, domains: int, exchanges: int, seconds: float, peak_rss_mb: float, php_peak_mb: float, answer_bytes: int, services_updated: int, server_id: int}
     */
    public function measure(int $mailboxes, bool $keepAnswer = false): array
    {
        $whmcs = $this->environment->freshWhmcs();
        $serverId = $whmcs->addServer($this->emulator->serverFields());
        $this->insertServices($whmcs, $serverId, $mailboxes);
        $answerFile = $keepAnswer ? $this->environment->path('usage-answer.json') : null;
        $engine = $this->environment->engineUnderTime($answerFile);
        $runs = [];
        $started = '';
        for ($run = 0; $run < self::RUNS; $run++) {
            $started = self::nextSecond($started);
            $this->emulator->resetStats();
            $task = WhmcsTask::usageUpdate($engine['wrapper']);
            $runs[] = [
                'seconds' => $task['seconds'],
                'exchanges' => (int) $this->emulator->stats()['total'],
                'peak_rss_mb' => self::peakRssMb($engine['rss_file']),
                'php_peak_mb' => $task['php_peak_mb'],
                'answer_bytes' => $answerFile === null ? 0 : (int) filesize($answerFile),
                'services_updated' => Capsule::table('tblhosting')->where('lastupdate', '>=', $started)->count(),
            ];
        }
        fwrite(STDERR, '      runs: ' . implode(' / ', array_map(static fn (array $run): string => sprintf('%.3f s', $run['seconds']), $runs)) . "\n");
        return [
            'mailboxes' => $mailboxes,
            'domains' => (int) ceil($mailboxes / self::USERS_PER_DOMAIN),
            'exchanges' => max(array_column($runs, 'exchanges')),
            'seconds' => Stopwatch::median(array_column($runs, 'seconds')),
            'peak_rss_mb' => max(array_column($runs, 'peak_rss_mb')),
            'php_peak_mb' => max(array_column($runs, 'php_peak_mb')),
            'answer_bytes' => max(array_column($runs, 'answer_bytes')),
            'services_updated' => min(array_column($runs, 'services_updated')),
            'server_id' => $serverId,
        ];
    }

    /**
     * Server Sync (ListAccounts) of every seeded mailbox, in a PHP process of its own.
     *
     * @return array{accounts: int, exchanges: int, seconds: float, peak_rss_mb: float, php_peak_mb: float}
     */
    public function measureListing(): array
    {
        $whmcs = $this->environment->freshWhmcs();
        $serverId = $whmcs->addServer($this->emulator->serverFields());
        $engine = $this->environment->engineUnderTime();
        $this->emulator->resetStats();
        $task = WhmcsTask::listAccounts($engine['wrapper'], $serverId);
        return [
            'accounts' => $task['accounts'],
            'exchanges' => (int) $this->emulator->stats()['total'],
            'seconds' => $task['seconds'],
            'peak_rss_mb' => self::peakRssMb($engine['rss_file']),
            'php_peak_mb' => $task['php_peak_mb'],
        ];
    }

    /**
     * Waits, if need be, until the clock has left the second $previous (Y-m-d H:i:s, or '' for
     * none), and returns the second it is now: the earliest `lastupdate` a run started now writes.
     */
    private static function nextSecond(string $previous): string
    {
        while (($now = date('Y-m-d H:i:s')) <= $previous) {
            usleep(20000);
        }
        return $now;
    }

    /** The engine's peak RSS in MB, from the file /usr/bin/time wrote. */
    private static function peakRssMb(string $rssFile): float
    {
        return round((int) trim((string) file_get_contents($rssFile)) / 1024, 1);
    }

    /** The address of the N-th seeded mailbox (0-based): users fill domain after domain. */
    public static function address(int $index): string
    {
        $domain = intdiv($index, self::USERS_PER_DOMAIN) + 1;
        $user = $index % self::USERS_PER_DOMAIN + 1;
        return sprintf('user%05d@d%03d.example', $user, $domain);
    }

    /** Active services for the first $count seeded mailboxes, written in bulk. */
    private function insertServices(Whmcs $whmcs, int $serverId, int $count): void
    {
        $productId = $whmcs->addProduct('Mailbox');
        $whmcs->saveModuleSettings($productId, ['quota_mb' => '1024']);
        $clientId = $whmcs->addClient(['firstname' => 'Bulk', 'lastname' => 'Customer', 'email' => 'bulk@example.net']);
        $now = date('Y-m-d H:i:s');
        $rows = [];
        for ($index = 0; $index < $count; $index++) {
            $address = self::address($index);
            $rows[] = ['userid' => $clientId, 'packageid' => $productId, 'server' => $serverId, 'regdate' => date('Y-m-d'),
                'domainstatus' => 'Active', 'username' => $address, 'domain' => substr($address, strpos($address, '@') + 1),
                'created_at' => $now, 'updated_at' => $now];
        }
        foreach (array_chunk($rows, self::INSERT_CHUNK) as $chunk) {
            Capsule::table('tblhosting')->insert($chunk);
        }
    }
}
