<?php
/**
 * php harness/web/snapshot.php SERVICE_ID [OUTDIR]
 *
 * Renders the client area of a service in headless Chromium and prints where the HTML and the
 * screenshot are (default OUTDIR: .state/demo). Uses the database named by the KS_DB_* environment
 * (MariaDB, or an SQLite file via KS_DB_PATH), e.g. the one `make demo` filled.
 */

require_once dirname(__DIR__) . '/bootstrap.php';
require_once __DIR__ . '/src/Connection.php';
require_once __DIR__ . '/src/Snapshot.php';

$serviceId = (int) ($argv[1] ?? 0);
if ($serviceId <= 0) {
    fwrite(STDERR, "usage: php harness/web/snapshot.php SERVICE_ID [OUTDIR]\n");
    exit(2);
}
$outDir = $argv[2] ?? ROOTDIR . '/.state/demo';
\KerioSingle\Harness\Web\Connection::attach(\KerioSingle\Harness\Database::configFromEnvironment());
$paths = \KerioSingle\Harness\Web\Snapshot::clientArea($serviceId, $outDir);
echo 'client area HTML: ' . $paths['html'] . "\n";
echo 'client area screenshot: ' . $paths['png'] . "\n";
