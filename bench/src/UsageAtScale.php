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
     * A fresh WHMCS with $mailboxes Active services on the seeded mailboxes, then one cron run in a
     * PHP process of its own (WhmcsTask). With $keepAnswer the engine's answer is copied to a file
     * to count its bytes (answer_bytes; 0 without).
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
        $this->emulator->resetStats();
        $task = WhmcsTask::usageUpdate($engine['wrapper']);
        return [
            'mailboxes' => $mailboxes,
            'domains' => (int) ceil($mailboxes / self::USERS_PER_DOMAIN),
            'exchanges' => (int) $this->emulator->stats()['total'],
            'seconds' => $task['seconds'],
            'peak_rss_mb' => self::peakRssMb($engine['rss_file']),
            'php_peak_mb' => $task['php_peak_mb'],
            'answer_bytes' => $answerFile === null ? 0 : (int) filesize($answerFile),
            'services_updated' => Capsule::table('tblhosting')->where('lastupdate', '!=', '0000-00-00 00:00:00')->count(),
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
