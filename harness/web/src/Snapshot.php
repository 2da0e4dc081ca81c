<?php

namespace KerioSingle\Harness\Web;

use KerioSingle\Tests\Browser\Browser;
use KerioSingle\Tests\Browser\WebServer;
use WHMCS\Database\Capsule;

/**
 * Renders a service's client area page the way a customer sees it: the web harness on PHP's
 * built-in server, headless Chromium logged in as the service's client. For `make demo`.
 */
final class Snapshot
{
    /**
     * Saves client-area-<id>.html (the rendered DOM) and client-area-<id>.png into $outDir.
     * The database must be one other processes can reach (MariaDB, or an SQLite file: its path is
     * handed to the web server as KS_DB_PATH).
     *
     * @return array{html: string, png: string} the two paths
     */
    public static function clientArea(int $serviceId, string $outDir): array
    {
        require_once ROOTDIR . '/tests/browser/Browser.php';
        require_once ROOTDIR . '/tests/browser/WebServer.php';
        $clientId = (int) Capsule::table('tblhosting')->where('id', $serviceId)->value('userid');
        if ($clientId === 0) {
            throw new \RuntimeException('Service ' . $serviceId . ' does not exist.');
        }
        self::shareSqliteFile();
        if (!is_dir($outDir)) {
            mkdir($outDir, 0755, true);
        }
        $server = WebServer::start($outDir . '/web-harness.log');
        $browser = new Browser();
        try {
            $next = rawurlencode('clientarea.php?action=productdetails&id=' . $serviceId);
            $browser->goto($server->url() . 'login.php?client=' . $clientId . '&next=' . $next);
            $browser->waitFor('document.getElementById("kerioSingleOverview") || document.getElementById("pageError")');
            $paths = ['html' => $outDir . '/client-area-' . $serviceId . '.html', 'png' => $outDir . '/client-area-' . $serviceId . '.png'];
            file_put_contents($paths['html'], (string) $browser->evaluate('"<!doctype html>\n" + document.documentElement.outerHTML'));
            $browser->screenshot($paths['png']);
            return $paths;
        } finally {
            $browser->close();
            $server->stop();
        }
    }

    /** Points the web server (a child process) at the SQLite file this process uses, if it uses one. */
    private static function shareSqliteFile(): void
    {
        $config = Capsule::connection()->getConfig();
        if (($config['driver'] ?? '') === 'sqlite') {
            putenv('KS_DB_DRIVER=sqlite');
            putenv('KS_DB_PATH=' . $config['database']);
        }
    }
}
