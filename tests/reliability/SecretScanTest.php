<?php

namespace KerioSingle\Reliability;

use KerioSingle\Reliability\Support\AdminCli;
use KerioSingle\Reliability\Support\ReliabilityTestCase;
use KerioSingle\Reliability\Support\RunLogs;
use KerioSingle\Reliability\Support\SecretLedger;
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
        $findings = [];
        foreach (RunLogs::scannedFiles() as $file) {
            $this->assertFileExists($file);
            $text = (string) file_get_contents($file);
            foreach (array_merge(SecretLedger::findIn($text, $secrets), SecretLedger::findTokens($text)) as $finding) {
                $findings[] = basename(dirname($file)) . '/' . basename($file) . ': ' . $finding;
            }
        }
        $this->assertSame([], $findings);
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
        $this->assertCount(1, SecretLedger::findTokens("Cookie: SESSION_CONNECT_WEBADMIN=abc123\n"));
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
