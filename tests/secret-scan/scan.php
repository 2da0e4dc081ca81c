<?php
/**
 * The secret scan at the end of `make test` (make test-secret-scan):
 *
 *   php tests/secret-scan/scan.php [ROOT]     ROOT defaults to .state/secret-scan
 *
 * First a self-test: a secret planted in a scratch run, in every form, must be found and must not
 * appear in what is printed. Then every run of the module, reliability and browser suites under
 * ROOT is scanned (Scanner). Prints the figures and every finding (file:line and a masked context);
 * exits 1 when anything was found, when a suite left no evidence, or when the self-test fails.
 */

require_once __DIR__ . '/autoload.php';

use KerioSingle\SecretScan\Scanner;

/** Plants a secret in every form in a scratch run and checks the scan finds each without printing it. */
function selfTestPassed(): bool
{
    $root = sys_get_temp_dir() . '/secret-scan-self-test-' . getmypid();
    $run = $root . '/module-1';
    mkdir($run . '/evidence', 0700, true);
    $tag = bin2hex(random_bytes(4));
    $secret = 'Planted & <"q\'> ü/+% ' . $tag;
    $forms = [$secret, substr((string) json_encode($secret), 1, -1), htmlspecialchars($secret, ENT_QUOTES), urlencode($secret), rawurlencode($secret), addslashes($secret)];
    file_put_contents($run . '/secrets.json', json_encode([$secret]));
    file_put_contents($run . '/evidence/database-logs.txt', "clean line\n");
    foreach ($forms as $index => $form) {
        file_put_contents($run . '/evidence/log-' . $index . '-planted.log', "before\nsome log text " . $form . " more text\n");
    }
    $scan = Scanner::scanRoot($root, ['module']);
    exec('rm -rf ' . escapeshellarg($root));
    $printed = implode("\n", $scan->findings);
    $printedSecret = strpos($printed, $tag) !== false;
    $ok = count($scan->findings) === count($forms) && $scan->problems === [] && !$printedSecret;
    echo 'self-test: a planted secret in ', count($forms), ' forms -> ', count($scan->findings), ' findings, secret printed: ',
        $printedSecret ? 'YES' : 'no', ' -> ', $ok ? 'ok' : 'FAILED', "\n";
    return $ok;
}

$root = $argv[1] ?? dirname(__DIR__, 2) . '/.state/secret-scan';
if (!selfTestPassed()) {
    exit(1);
}
$scan = Scanner::scanRoot($root, array_keys(Scanner::REQUIRED_EVIDENCE));
echo 'runs: ', implode(', ', $scan->runs) ?: '(none)', "\n";
foreach ($scan->problems as $problem) {
    echo 'NO EVIDENCE: ', $problem, "\n";
}
foreach ($scan->findings as $finding) {
    echo 'LEAK: ', $finding, "\n";
}
echo 'secret scan: ', $scan->summary(), ' -> ', $scan->passed() ? 'PASS' : 'FAIL', "\n";
exit($scan->passed() ? 0 : 1);
