<?php

declare(strict_types=1);

namespace KerioSingle\Tests\Browser;

use KerioSingle\Harness\Settings;
use KerioSingle\SecretScan\RunLogs;
use KerioSingle\SecretScan\SecretLedger;
use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Database\Capsule;

/**
 * Base of the browser suites: a fresh WHMCS database and the shared emulator (ModuleTestCase),
 * the web harness on a free port (one per test class), and a headless Chromium per test.
 * Screenshots go to tests/artifacts/. For the secret scan, the session cookies the browser held and
 * the one-time sign-in links' tokens are recorded, and the web harness log of this run is kept.
 */
abstract class BrowserTestCase extends ModuleTestCase
{
    private static ?WebServer $web = null;
    protected Browser $browser;

    public static function tearDownAfterClass(): void
    {
        if (self::$web !== null) {
            self::$web->stop();
            self::$web = null;
        }
    }

    protected function setUp(): void
    {
        parent::setUp();
        if (self::$web === null) {
            $log = self::artifactsDir() . '/web-harness.log';
            RunLogs::keepLog($log, false);
            self::$web = WebServer::start($log);
        }
        Settings::set('SystemURL', self::$web->url());
        $this->browser = new Browser(true);
    }

    protected function tearDown(): void
    {
        $this->rememberCookies();
        $this->browser->close();
        parent::tearDown();
    }

    /** An absolute URL of the web harness. */
    protected function url(string $path): string
    {
        return self::$web->url() . ltrim($path, '/');
    }

    /** Logs the service's client in and opens the service's product details page. */
    protected function openProductDetails(int $serviceId): void
    {
        $clientId = (int) $this->whmcs->service($serviceId)->userid;
        $next = 'clientarea.php?action=productdetails&id=' . $serviceId;
        $this->browser->goto($this->url('login.php?client=' . $clientId . '&next=' . rawurlencode($next)));
        $this->browser->waitFor('document.getElementById("kerioSingleOverview") || document.getElementById("pageError")');
        $this->rememberCookies();
        $this->assertStylesLoaded();
    }

    /** A one-time webmail sign-in link of the service (as the client area makes it); its token is recorded. */
    protected function signOnLink(int $serviceId): string
    {
        $link = (string) $this->whmcs->singleSignOn($serviceId)['redirectTo'];
        parse_str((string) parse_url($link, PHP_URL_QUERY), $query);
        SecretLedger::remember((string) ($query['token'] ?? ''));
        return $link;
    }

    /** Records the values of the cookies the browser holds now, for the secret scan. */
    protected function rememberCookies(): void
    {
        SecretLedger::remember(...$this->browser->cookieValues());
    }

    /** Fails unless Bootstrap's stylesheet applies (a page without it looks broken to a customer). */
    protected function assertStylesLoaded(): void
    {
        $this->assertSame('flex', $this->browser->evaluate('getComputedStyle(document.querySelector(".row") || document.body).display'), 'Bootstrap 4 CSS is applied');
    }

    /** Sets the language of the service's client (WHMCS: Client Profile > Language). */
    protected function setClientLanguage(int $serviceId, string $language): void
    {
        Capsule::table('tblclients')->where('id', $this->whmcs->service($serviceId)->userid)->update(['language' => $language]);
    }

    /** The trimmed text of the first element matching $selector ('' when none). */
    protected function text(string $selector): string
    {
        return (string) $this->browser->evaluate(sprintf(
            '(document.querySelector(%s) || {innerText: ""}).innerText.trim()',
            json_encode($selector)
        ));
    }

    /** True when an element matches $selector. */
    protected function exists(string $selector): bool
    {
        return (bool) $this->browser->evaluate(sprintf('!!document.querySelector(%s)', json_encode($selector)));
    }

    /** Saves a full-page screenshot as tests/artifacts/<name>.png. */
    protected function screenshot(string $name): void
    {
        $this->browser->screenshot(self::artifactsDir() . '/' . $name . '.png');
    }

    private static function artifactsDir(): string
    {
        $dir = dirname(__DIR__) . '/artifacts';
        if (!is_dir($dir)) {
            mkdir($dir, 0755, true);
        }
        return $dir;
    }
}
