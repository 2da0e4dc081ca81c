<?php

namespace KerioSingle\SecretScan;

/**
 * The scan at the end of `make test`: reads every run directory under .state/secret-scan/ (one per
 * phpunit process, RunLogs), pools the secrets all runs recorded, and searches every run's
 * evidence for each of them (SecretLedger's forms) and for unmasked session tokens and cookies.
 *
 * It also refuses to pass vacuously: every expected suite must have run, and every run must have
 * finished (secrets.json written) with secrets, module logs and at least one other process's log.
 * Findings name the file and line with a short context in which every secret is masked.
 */
final class Scanner
{
    /** Evidence each suite must leave besides database-logs.txt and a kept log (file name prefixes). */
    public const REQUIRED_EVIDENCE = [
        'module' => [],
        'reliability' => ['cli-output.txt'],
        'browser' => ['log-*-web-harness.log'],
    ];

    /** Characters of context shown either side of a finding. */
    private const CONTEXT = 30;

    /** @var list<string> */
    public array $secrets = [];
    /** @var list<string> run directory names */
    public array $runs = [];
    /** Evidence files read. */
    public int $files = 0;
    /** Bytes of evidence read. */
    public int $bytes = 0;
    /** @var list<string> reasons the evidence does not suffice */
    public array $problems = [];
    /** @var list<string> "file:line: what — masked context" */
    public array $findings = [];

    /**
     * Scans the run directories under $root.
     *
     * @param list<string> $suites the suites that must have left evidence
     */
    public static function scanRoot(string $root, array $suites): self
    {
        $scan = new self();
        $directories = is_dir($root) ? (glob($root . '/*', GLOB_ONLYDIR) ?: []) : [];
        foreach ($directories as $directory) {
            $scan->runs[] = basename($directory);
            $scan->secrets = array_merge($scan->secrets, SecretLedger::load($directory . '/secrets.json'));
        }
        $scan->secrets = array_values(array_unique($scan->secrets));
        foreach ($suites as $suite) {
            $scan->checkSuiteRan($root, $suite);
        }
        foreach ($directories as $directory) {
            $scan->checkRunEvidence($directory);
            foreach (glob($directory . '/evidence/*') ?: [] as $file) {
                $scan->scanFile($file, basename($directory) . '/evidence/' . basename($file));
            }
        }
        return $scan;
    }

    /**
     * Scans the given files for the given secrets (the reliability suites' own scan of their run).
     *
     * @param list<string> $files
     * @param list<string> $secrets
     */
    public static function scanFiles(array $files, array $secrets): self
    {
        $scan = new self();
        $scan->secrets = $secrets;
        foreach ($files as $file) {
            $scan->scanFile($file, basename(dirname($file)) . '/' . basename($file));
        }
        return $scan;
    }

    /** True when the evidence sufficed and nothing was found. */
    public function passed(): bool
    {
        return $this->problems === [] && $this->findings === [];
    }

    /** The figures of the scan in one line. */
    public function summary(): string
    {
        return sprintf('%d secrets of %d runs searched in %d evidence files (%s bytes): %d findings, %d evidence problems',
            count($this->secrets), count($this->runs), $this->files, number_format($this->bytes), count($this->findings), count($this->problems));
    }

    private function checkSuiteRan(string $root, string $suite): void
    {
        if ((glob($root . '/' . $suite . '-*', GLOB_ONLYDIR) ?: []) === []) {
            $this->problems[] = 'no run of the ' . $suite . ' suites left evidence in ' . $root . ' (run them first: make test)';
        }
    }

    private function checkRunEvidence(string $directory): void
    {
        $run = basename($directory);
        if (!is_file($directory . '/secrets.json')) {
            $this->problems[] = $run . ': the run has not finished (no secrets.json): still running, or killed';
            return;
        }
        if (SecretLedger::load($directory . '/secrets.json') === []) {
            $this->problems[] = $run . ': the run recorded no secret';
        }
        $suite = (string) preg_replace('/-\d+$/', '', $run);
        $required = array_merge(['database-logs.txt', 'log-*'], self::REQUIRED_EVIDENCE[$suite] ?? []);
        foreach ($required as $pattern) {
            $present = array_filter(glob($directory . '/evidence/' . $pattern) ?: [], static fn (string $file): bool => filesize($file) > 0);
            if ($present === []) {
                $this->problems[] = $run . ': no evidence/' . $pattern . ' (or it is empty)';
            }
        }
    }

    private function scanFile(string $file, string $label): void
    {
        $text = @file_get_contents($file);
        if ($text === false) {
            $this->problems[] = $label . ': cannot be read';
            return;
        }
        $this->files++;
        $this->bytes += strlen($text);
        foreach (SecretLedger::locate($text, $this->secrets) as $hit) {
            $what = $hit['form'] . ' form of secret #' . $hit['secret'] . ' (' . $hit['length'] . ' chars)';
            $this->findings[] = $label . ':' . self::lineOf($text, $hit['offset']) . ': ' . $what . ' — ' . $this->maskedContext($text, $hit['offset']);
        }
        foreach (SecretLedger::findTokens($text) as $token) {
            $this->findings[] = $label . ': unmasked token or cookie — ' . $token;
        }
    }

    private static function lineOf(string $text, int $offset): int
    {
        return substr_count($text, "\n", 0, $offset) + 1;
    }

    /** The line around $offset with every secret masked, cut to CONTEXT characters either side of the first mask. */
    private function maskedContext(string $text, int $offset): string
    {
        $start = (int) strrpos(substr($text, 0, $offset), "\n");
        $end = strpos($text, "\n", $offset);
        $line = substr($text, $start, ($end === false ? strlen($text) : $end) - $start);
        $masked = SecretLedger::mask($line, $this->secrets);
        $at = (int) strpos($masked, '[secret]');
        $from = max(0, $at - self::CONTEXT);
        $context = substr($masked, $from, $at - $from + strlen('[secret]') + self::CONTEXT);
        return '"' . trim((string) preg_replace('/\s+/', ' ', $context)) . '"';
    }
}
