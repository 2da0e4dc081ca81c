<?php

namespace KerioSingle\Tests;

use KerioSingle\Harness\ActivityLog;
use KerioSingle\Tests\Browser\WebServer;
use KerioSingle\Harness\ParamsBuilder;
use KerioSingle\SecretScan\SecretLedger;
use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Database\Capsule;
use WHMCS\Module\Server\kerioSingle\SsoEndpoint;
use WHMCS\Module\Server\kerioSingle\SsoTokens;

require_once dirname(__DIR__) . '/browser/WebServer.php';

/**
 * The one-time webmail link (lib/SsoTokens, lib/SsoEndpoint behind sso.php): redeemed once, within
 * its lifetime, only by the client or staff member it was issued to; anyone else's attempt neither
 * works nor uses it up. Every page carries a CSP that allows only its own script and a post to webmail.
 */
final class SingleSignOnLinkTest extends ModuleTestCase
{
    private SsoEndpoint $endpoint;

    protected function setUp(): void
    {
        parent::setUp();
        $this->endpoint = new SsoEndpoint(static fn (int $serviceId): array => ParamsBuilder::forService($serviceId, 'kerioSingle'));
    }

    public function testTheServicesClientSignsInOnceAndTheOpeningIsLogged(): void
    {
        $serviceId = $this->createdService();
        $token = $this->clientLinkToken($serviceId);

        $first = $this->endpoint->handle($token, $this->owner($serviceId));
        $again = $this->endpoint->handle($token, $this->owner($serviceId));

        $this->assertSame(200, $first['status']);
        $this->assertStringContainsString('name="kerio_username" value="' . $this->address($serviceId) . '"', $first['html']);
        $this->assertSame(410, $again['status'], 'a link works once');
        $this->assertContains(
            'kerioSingle: webmail opened for mailbox ' . $this->address($serviceId) . ' (service #' . $serviceId . ') by client #' . $this->owner($serviceId),
            ActivityLog::lines()
        );
    }

    public function testAServerWhoseWebmailSignInNeedsACsrfTokenGetsTheWebmailLinkAndTheReason(): void
    {
        $serviceId = $this->createdService();
        $token = $this->clientLinkToken($serviceId);
        $this->emulator->setWebmailCsrf(true);
        try {
            $response = $this->endpoint->handle($token, $this->owner($serviceId));
        } finally {
            $this->emulator->setWebmailCsrf(false);
        }

        $this->assertSame(403, $response['status']);
        $this->assertStringContainsString('data-reason="sso_protected"', $response['html']);
        $this->assertStringContainsString('id="kerioSsoWebmail" href="' . htmlspecialchars($this->emulator->webmailUrl(), ENT_QUOTES) . '"', $response['html']);
        $this->assertStringNotContainsString('kerio_password', $response['html']);
        $this->assertSame('', $response['form_origin']);
    }

    public function testALinkExpiresAfterItsLifetime(): void
    {
        $serviceId = $this->createdService();
        $token = $this->clientLinkToken($serviceId);
        $this->age($token, SsoTokens::LIFETIME_SECONDS + 1);

        $this->assertSame(410, $this->endpoint->handle($token, $this->owner($serviceId))['status']);
    }

    public function testALinkIsStillGoodJustBeforeItsLifetimeEnds(): void
    {
        $serviceId = $this->createdService();
        $token = $this->clientLinkToken($serviceId);
        $this->age($token, SsoTokens::LIFETIME_SECONDS - 2);

        $this->assertSame(200, $this->endpoint->handle($token, $this->owner($serviceId))['status']);
    }

    public function testAnotherClientCannotUseTheLinkNorUseItUp(): void
    {
        $serviceId = $this->createdService();
        $token = $this->clientLinkToken($serviceId);
        $stranger = $this->whmcs->addClient(['firstname' => 'Eve', 'lastname' => 'Other', 'email' => 'eve@example.net']);

        $attempt = $this->endpoint->handle($token, $stranger);

        $this->assertSame(410, $attempt['status']);
        $this->assertStringNotContainsString('kerio_password', $attempt['html']);
        $this->assertSame(200, $this->endpoint->handle($token, $this->owner($serviceId))['status'], 'the owner can still use it');
    }

    public function testNobodyLoggedInIsAskedToLogInAndTheLinkStaysUsable(): void
    {
        $serviceId = $this->createdService();
        $token = $this->clientLinkToken($serviceId);

        $attempt = $this->endpoint->handle($token, 0);

        $this->assertSame(403, $attempt['status']);
        $this->assertStringContainsString('data-reason="sso_not_logged_in"', $attempt['html']);
        $this->assertSame(200, $this->endpoint->handle($token, $this->owner($serviceId))['status']);
    }

    public function testAStaffMembersLinkSignsThatStaffMemberInAndIsLogged(): void
    {
        $serviceId = $this->createdService();
        $adminId = $this->whmcs->addAdmin('alice');
        $token = $this->token($this->whmcs->adminSingleSignOn($serviceId, $adminId));

        $response = $this->endpoint->handle($token, 0, $adminId);

        $this->assertSame(200, $response['status']);
        $this->assertStringContainsString('value="' . $this->address($serviceId) . '"', $response['html']);
        $this->assertContains(
            'kerioSingle: webmail opened for mailbox ' . $this->address($serviceId) . ' (service #' . $serviceId . ') by staff member #' . $adminId,
            ActivityLog::lines()
        );
    }

    public function testAStaffMembersLinkCannotBeUsedByTheClientOrAnotherStaffMember(): void
    {
        $serviceId = $this->createdService();
        $adminId = $this->whmcs->addAdmin('alice');
        $otherAdmin = $this->whmcs->addAdmin('bob');
        $token = $this->token($this->whmcs->adminSingleSignOn($serviceId, $adminId));

        $this->assertSame(410, $this->endpoint->handle($token, $this->owner($serviceId))['status'], 'the client');
        $this->assertSame(410, $this->endpoint->handle($token, 0, $otherAdmin)['status'], 'another staff member');
        $this->assertSame(200, $this->endpoint->handle($token, 0, $adminId)['status'], 'still usable by its staff member');
    }

    public function testAClientsLinkCannotBeUsedByAStaffMemberWithoutTheClientsSession(): void
    {
        $serviceId = $this->createdService();
        $token = $this->clientLinkToken($serviceId);

        $this->assertSame(410, $this->endpoint->handle($token, 0, $this->whmcs->addAdmin('alice'))['status']);
    }

    public function testTheSignInPageAllowsOnlyItsOwnScriptAndAPostToWebmail(): void
    {
        $serviceId = $this->createdService();
        $response = $this->endpoint->handle($this->clientLinkToken($serviceId), $this->owner($serviceId));
        preg_match('#<script>(.*?)</script>#s', $response['html'], $script);

        $headers = SsoEndpoint::headers($response['html'], $response['form_origin']);

        $webmail = parse_url($this->emulator->webmailUrl());
        $origin = $webmail['scheme'] . '://' . $webmail['host'] . ':' . $webmail['port'];
        $this->assertSame(
            "default-src 'none'; script-src 'sha256-" . base64_encode(hash('sha256', $script[1], true)) . "'; style-src 'none'; "
            . 'form-action ' . $origin . "; base-uri 'none'; frame-ancestors 'none'",
            $headers['Content-Security-Policy']
        );
        $this->assertSame('nosniff', $headers['X-Content-Type-Options']);
        $this->assertSame('no-store', $headers['Cache-Control']);
        $this->assertSame('no-referrer', $headers['Referrer-Policy']);
        $this->assertSame('DENY', $headers['X-Frame-Options']);
    }

    public function testARefusalPageAllowsOnlyItsOwnStyleAndNoForm(): void
    {
        $response = $this->endpoint->handle(str_repeat('a', 64), 1);
        preg_match('#<style>(.*?)</style>#s', $response['html'], $style);

        $policy = SsoEndpoint::headers($response['html'], $response['form_origin'])['Content-Security-Policy'];

        $this->assertStringContainsString("script-src 'none'; style-src 'sha256-" . base64_encode(hash('sha256', $style[1], true)) . "'", $policy);
        $this->assertStringContainsString("form-action 'none'", $policy);
    }

    public function testTheCspSso_phpSendsAllowsOnlyThePagesOwnScriptAndAPostToWebmail(): void
    {
        $serviceId = $this->createdService();
        $token = $this->clientLinkToken($serviceId);
        $server = WebServer::start(ROOTDIR . '/.state/php-tests/sso-endpoint.log');
        $cookies = tempnam(sys_get_temp_dir(), 'ks-sso-cookies');
        try {
            $this->fetch($server->url() . 'login.php?client=' . $this->owner($serviceId), $cookies);
            $page = $this->fetch($server->url() . 'modules/servers/kerioSingle/sso.php?token=' . rawurlencode($token), $cookies);
            $refusal = $this->fetch($server->url() . 'modules/servers/kerioSingle/sso.php?token=' . str_repeat('b', 64), $cookies);
        } finally {
            $server->stop();
            @unlink($cookies);
        }

        $this->assertSame(200, $page['status']);
        $this->assertSame(1, preg_match('#<script>(.*?)</script>#s', $page['body'], $script), 'the sign-in page has its script');
        $webmail = parse_url($this->emulator->webmailUrl());
        $this->assertSame(
            "default-src 'none'; script-src 'sha256-" . base64_encode(hash('sha256', $script[1], true)) . "'; style-src 'none'; "
            . 'form-action ' . $webmail['scheme'] . '://' . $webmail['host'] . ':' . $webmail['port'] . "; base-uri 'none'; frame-ancestors 'none'",
            $page['headers']['content-security-policy'] ?? '(no CSP header sent)'
        );
        $this->assertSame('DENY', $page['headers']['x-frame-options'] ?? '');
        $this->assertSame('no-store', $page['headers']['cache-control'] ?? '');
        $this->assertSame(410, $refusal['status']);
        $this->assertSame(1, preg_match('#<style>(.*?)</style>#s', $refusal['body'], $style));
        $this->assertSame(
            "default-src 'none'; script-src 'none'; style-src 'sha256-" . base64_encode(hash('sha256', $style[1], true)) . "'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
            $refusal['headers']['content-security-policy'] ?? '(no CSP header sent)'
        );
    }

    /**
     * A GET through the web harness with a cookie jar: status, headers (lower-case names, last value wins), body.
     *
     * @return array{status: int, headers: array<string, string>, body: string}
     */
    private function fetch(string $url, string $cookieJar): array
    {
        $curl = curl_init($url);
        curl_setopt_array($curl, [CURLOPT_RETURNTRANSFER => true, CURLOPT_HEADER => true, CURLOPT_TIMEOUT => 30,
            CURLOPT_COOKIEJAR => $cookieJar, CURLOPT_COOKIEFILE => $cookieJar]);
        $raw = (string) curl_exec($curl);
        $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        $headerSize = (int) curl_getinfo($curl, CURLINFO_HEADER_SIZE);
        curl_close($curl);
        $headers = [];
        foreach (preg_split('/\r?\n/', substr($raw, 0, $headerSize)) ?: [] as $line) {
            if (strpos($line, ':') !== false) {
                [$name, $value] = explode(':', $line, 2);
                $headers[strtolower(trim($name))] = trim($value);
            }
        }
        return ['status' => $status, 'headers' => $headers, 'body' => substr($raw, $headerSize)];
    }

    private function owner(int $serviceId): int
    {
        return (int) $this->whmcs->service($serviceId)->userid;
    }

    /** The token of the link the client area's "Open Webmail" issues (recorded for the secret scan). */
    private function clientLinkToken(int $serviceId): string
    {
        return $this->token($this->whmcs->singleSignOn($serviceId));
    }

    /**
     * @param mixed $answer ServiceSingleSignOn's answer
     */
    private function token($answer): string
    {
        $this->assertTrue($answer['success'] ?? false, 'ServiceSingleSignOn: ' . print_r($answer, true));
        parse_str((string) parse_url((string) $answer['redirectTo'], PHP_URL_QUERY), $query);
        $token = (string) ($query['token'] ?? '');
        SecretLedger::remember($token);
        return $token;
    }

    /** Moves the link's issue time $seconds into the past. */
    private function age(string $token, int $seconds): void
    {
        Capsule::table(SsoTokens::TABLE)->where('token_hash', hash('sha256', $token))
            ->update(['expires_at' => time() + SsoTokens::LIFETIME_SECONDS - $seconds]);
    }
}
