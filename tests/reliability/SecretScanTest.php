<?php

namespace KerioSingle\Reliability;

use KerioSingle\Reliability\Support\AdminCli;
use KerioSingle\Reliability\Support\ReliabilityTestCase;
use KerioSingle\SecretScan\RunLogs;
use KerioSingle\SecretScan\Scanner;
use KerioSingle\SecretScan\SecretLedger;
use KerioSingle\Tests\Support\TestEnvironment;

/**
 * The secret scan, run after the other reliability suites (phpunit.xml fixes the order): the admin
 * CLI is run with secrets in its environment and stdin, then every log of the run — module log,
 * activity log and queue errors of every test, the engine's stderr, the CLI's output, the logs of
 * every emulator — is searched for every password used (in plain, JSON, HTML, URL and escaped form)
 * and for unmasked session tokens and cookies. None may be found.
 *
 * `account sso` is not run: its output is, by design, the webmail form carrying the password.
 */
final class SecretScanTest extends ReliabilityTestCase
{
    public function testTheAdminCliPrintsNoSecret(): void
    {
        $mailboxPassword = 'Cli-Mailbox-' . bin2hex(random_bytes(4)) . '!';
        $newPassword = 'Cli-Changed-' . bin2hex(random_bytes(4)) . '#';
        SecretLedger::remember($mailboxPassword, $newPassword);
        $address = $this->uniqueLocalPart('cli') . '@example.com';
        $runs = [
            [['test-connection'], ''],
            [['--json', 'test-connection'], ''],
            [['account', 'create', $address, '--service-id', '90001', '--password-stdin'], $mailboxPassword . "\n"],
            [['--json', 'account', 'create', $address, '--service-id', '90001', '--password-stdin'], $mailboxPassword . "\n"],
            [['account', 'info', $address], ''],
            [['account', 'password', $address, '--password-stdin'], $newPassword . "\n"],
            [['--json', 'account', 'password', $address, '--password-stdin'], "short\n"],
            [['check-password', '--password-stdin'], $mailboxPassword . "\n"],
            [['--json', 'usage', '--domain', 'example.com'], ''],
            [['account', 'terminate', $address], ''],
        ];
        foreach ($runs as [$arguments, $stdin]) {
            $this->runCli($arguments, $stdin, TestEnvironment::ADMIN_PASSWORD);
        }
        $wrongAdmin = 'Wrong-Cli-Admin-' . bin2hex(random_bytes(3));
        SecretLedger::remember($wrongAdmin);
        $this->assertNotSame(0, $this->runCli(['--json', 'test-connection'], '', $wrongAdmin));

        $this->assertTrue($this->emulator->webmailLogin($address, $newPassword) === false, 'terminated');
        $output = (string) file_get_contents(RunLogs::cliOutputFile());
        $this->assertStringContainsString('Session.login', $output, 'the --json runs carry a transcript');
        $this->assertSame([], SecretLedger::findIn($output, SecretLedger::all()));
        $this->assertSame([], SecretLedger::findTokens($output));
    }

    /**
     * @depends testTheAdminCliPrintsNoSecret
     */
    public function testNoLogOfTheRunContainsASecretOrAToken(): void
    {
        $secrets = SecretLedger::all();
        $this->assertGreaterThanOrEqual(20, count($secrets), 'the suites before this one recorded their secrets');
        $database = (string) file_get_contents(RunLogs::databaseLogFile());
        $this->assertGreaterThan(100, substr_count($database, 'Session.login'), 'module logs of the earlier suites were archived');
        foreach (RunLogs::scannedFiles() as $file) {
            $this->assertFileExists($file);
        }
        $this->assertSame([], Scanner::scanFiles(RunLogs::scannedFiles(), $secrets)->findings);
    }

    public function testTheScanFindsASecretInEveryFormAndUnmaskedTokens(): void
    {
        $secret = 'Pa55 & <"q\'> ü/+%';
        $forms = [$secret, substr((string) json_encode($secret), 1, -1), htmlspecialchars($secret, ENT_QUOTES),
            urlencode($secret), rawurlencode($secret), addslashes($secret)];
        foreach ($forms as $form) {
            $this->assertCount(1, SecretLedger::findIn('log: ' . $form . ' end', [$secret]), $form);
        }
        $this->assertSame([], SecretLedger::findIn(str_repeat('*', strlen($secret)), [$secret]));
        $this->assertSame([], SecretLedger::findTokens('{"token":"********"} [token] => ********' . "\n" . 'Cookie: x=********'));
        $this->assertCount(1, SecretLedger::findTokens('{"jsonrpc":"2.0","token":"a1b2c3d4e5"}'));
        $this->assertCount(1, SecretLedger::findTokens("    [token] => a1b2c3d4e5\n"));
        $this->assertCount(1, SecretLedger::findTokens('X-Token: a1b2c3d4e5'));
        $this->assertSame(['Cookie: SESSION_CONNECT_WEBADMIN=*** (6 chars)'], SecretLedger::findTokens("Cookie: SESSION_CONNECT_WEBADMIN=abc123\n"));
    }

    /**
     * The scan at the end of `make test` (tests/secret-scan/scan.php) over planted runs: a leak is
     * reported with file, line and a context in which the secret is masked; a suite without a run,
     * an unfinished run and a run without evidence each fail the scan.
     */
    public function testTheFinalScanReportsWhereButNeverWhatAndRefusesMissingEvidence(): void
    {
        $root = RunLogs::directory() . '/planted-runs';
        $secret = 'Planted-' . bin2hex(random_bytes(4));
        $this->plantRun($root . '/module-1', [$secret], ['database-logs.txt' => "ok\nrequest: {\"password\":\"" . $secret . "\"} end\n", 'log-1-emulator.log' => 'clean']);
        $this->plantRun($root . '/browser-2', [$secret], ['database-logs.txt' => 'clean', 'log-1-emulator.log' => 'clean', 'log-2-artifacts-web-harness.log' => 'clean']);
        mkdir($root . '/browser-3/evidence', 0700, true);

        $scan = Scanner::scanRoot($root, ['module', 'reliability', 'browser']);

        $this->assertFalse($scan->passed());
        $this->assertSame(['module-1/evidence/database-logs.txt:2: plain form of secret #0 (16 chars) — "request: {"password":"[secret]"} end"'], $scan->findings);
        $this->assertStringNotContainsString($secret, implode("\n", $scan->findings));
        $this->assertCount(2, $scan->problems, implode("\n", $scan->problems));
        $this->assertStringContainsString('no run of the reliability suites', $scan->problems[0]);
        $this->assertStringContainsString('browser-3: the run has not finished', $scan->problems[1]);
        $this->assertSame(1, count($scan->secrets));
        exec('rm -rf ' . escapeshellarg($root));
    }

    /**
     * A finished run directory of the final scan: its secrets.json and evidence files.
     *
     * @param list<string>          $secrets
     * @param array<string, string> $evidence file name => content
     */
    private function plantRun(string $directory, array $secrets, array $evidence): void
    {
        mkdir($directory . '/evidence', 0700, true);
        file_put_contents($directory . '/secrets.json', json_encode($secrets));
        foreach ($evidence as $name => $content) {
            file_put_contents($directory . '/evidence/' . $name, $content);
        }
    }

    /**
     * @param list<string> $arguments
     * @return int exit status
     */
    private function runCli(array $arguments, string $stdin, string $adminPassword): int
    {
        return AdminCli::run($this->emulator, $arguments, $stdin, $adminPassword)['exit'];
    }
}
