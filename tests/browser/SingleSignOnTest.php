<?php

declare(strict_types=1);

namespace KerioSingle\Tests\Browser;

use KerioSingle\SecretScan\SecretLedger;
use WHMCS\Database\Capsule;

/**
 * "Open webmail": WHMCS's dosinglesignon → one-time link to the module's sso.php → the engine's
 * auto-submitting form → the emulator's webmail, signed in.
 */
final class SingleSignOnTest extends BrowserTestCase
{
    public function testWebmailButtonOpensWebmailSignedInInANewTab(): void
    {
        $serviceId = $this->createdService();
        $address = $this->address($serviceId);
        $this->openProductDetails($serviceId);

        $this->browser->click('#kerioWebmailButton');
        $this->browser->switchToNewPage();
        $this->browser->waitFor('location.pathname === "/webmail/" && document.getElementById("user")', 20);
        $this->screenshot('webmail-signed-in');

        $this->assertSame($address, $this->text('#user'));
    }

    public function testTheSignInLinkWorksOnceAndNeverCarriesThePassword(): void
    {
        $serviceId = $this->createdService();
        $this->openProductDetails($serviceId);
        $this->browser->recordRequests();

        $this->browser->goto($this->url('clientarea.php?action=productdetails&id=' . $serviceId . '&dosinglesignon=1'));
        $this->browser->waitFor('location.pathname === "/webmail/" && document.getElementById("user")', 20);
        $this->assertSame($this->address($serviceId), $this->text('#user'));

        $urls = $this->browser->requestedUrls();
        $links = array_values(array_filter($urls, static fn (string $url): bool => strpos($url, '/modules/servers/kerioSingle/sso.php?token=') !== false));
        $this->assertCount(1, $links, 'one redirect to the one-time link: ' . implode(', ', $urls));
        foreach ($urls as $url) {
            $this->assertStringNotContainsString(rawurlencode(self::ALPHABET_PASSWORD), $url);
            $this->assertStringNotContainsString('Pa55', $url);
        }

        $token = (string) substr($links[0], strpos($links[0], 'token=') + 6);
        SecretLedger::remember($token);
        $stored = Capsule::table('mod_keriosingle_sso')->get()->map(static fn ($row): string => json_encode($row))->implode("\n");
        $this->assertStringNotContainsString($token, $stored, 'only a hash of the token is stored');
        $this->assertStringContainsString(hash('sha256', $token), $stored);
        $logged = Capsule::table('tblmodulelog')->get()->map(static fn ($row): string => json_encode($row))->implode("\n");
        $this->assertStringNotContainsString('Pa55', $logged, 'the mailbox password never reaches the module log');

        $this->browser->goto($links[0]);
        $this->screenshot('webmail-link-used-twice');
        $this->assertSame('sso_link_invalid', $this->browser->evaluate('document.getElementById("kerioSsoMessage").dataset.reason'));
        $this->assertStringStartsWith('This webmail link has expired or was already used.', $this->text('#kerioSsoMessage p'));
        $this->assertFalse($this->exists('#user'), 'no webmail session from a used link');
    }

    public function testSuspendedBetweenClickAndUseGetsAMessageNotWebmail(): void
    {
        $serviceId = $this->createdService();
        $this->openProductDetails($serviceId);
        $link = $this->signOnLink($serviceId);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));

        $this->browser->goto($link);
        $this->screenshot('webmail-link-suspended');

        $this->assertSame('sso_suspended', $this->browser->evaluate('document.getElementById("kerioSsoMessage").dataset.reason'));
        $this->assertFalse($this->exists('#kerioSsoWebmail'), 'a suspended mailbox gets no webmail link');
    }

    public function testServiceDeletedBetweenClickAndUseGetsAMessage(): void
    {
        $serviceId = $this->createdService();
        $this->openProductDetails($serviceId);
        $link = $this->signOnLink($serviceId);
        Capsule::table('tblhosting')->where('id', $serviceId)->delete();

        $this->browser->goto($link);

        $this->assertSame('sso_unavailable', $this->browser->evaluate('document.getElementById("kerioSsoMessage").dataset.reason'));
        $this->assertFalse($this->exists('#user'), 'no webmail session for a deleted service');
    }

    public function testALinkNeedsTheClientToBeLoggedIn(): void
    {
        $serviceId = $this->createdService();
        $link = $this->signOnLink($serviceId);

        $this->browser->clearCookies();
        $this->browser->goto($link);

        $this->assertSame('sso_not_logged_in', $this->browser->evaluate('document.getElementById("kerioSsoMessage").dataset.reason'));
    }

    public function testProductWithSingleSignOnOffLinksToWebmailAndRefusesAutoLogin(): void
    {
        $serviceId = $this->createdService(['sso' => false]);
        $this->openProductDetails($serviceId);

        $this->assertSame(
            $this->emulator->webmailUrl(),
            $this->browser->evaluate('document.getElementById("kerioWebmailButton").getAttribute("href")')
        );
        $this->assertStringStartsWith('Sign in with your full email address', $this->text('#kerioWebmailHint'));

        $this->browser->goto($this->url('clientarea.php?action=productdetails&id=' . $serviceId . '&dosinglesignon=1'));
        // WHMCS shows its generic text; the client area itself says how to sign in
        $this->assertSame(\KerioSingle\Harness\Whmcs::CLIENT_SSO_FAILED, $this->text('#pageError'));
        $this->assertStringStartsWith('Sign in with your full email address', $this->text('#kerioWebmailHint'));
    }

    public function testStaffOpenWebmailFromTheAdminServicePageSignedIn(): void
    {
        $serviceId = $this->createdService();
        $adminId = $this->whmcs->addAdmin('alice');
        $this->browser->clearCookies();

        $this->browser->goto($this->url('admin/login.php?admin=' . $adminId));
        $this->rememberCookies();
        $this->browser->goto($this->url('admin/clientsservices.php?id=' . $serviceId . '&dosinglesignon=1'));
        $answer = (string) $this->browser->evaluate('document.body.innerText');
        $this->assertStringStartsWith('window|', $answer, 'the admin page opens the URL in a new tab');
        $this->browser->goto(substr(trim($answer), strlen('window|')));
        $this->browser->waitFor('location.pathname === "/webmail/" && document.getElementById("user")', 20);
        $this->screenshot('webmail-signed-in-by-staff');

        $this->assertSame($this->address($serviceId), $this->text('#user'));
        $this->assertContains(
            'kerioSingle: webmail opened for mailbox ' . $this->address($serviceId) . ' (service #' . $serviceId . ') by staff member #' . $adminId,
            \KerioSingle\Harness\ActivityLog::lines()
        );
    }

    public function testTheClientCannotUseALinkIssuedToStaff(): void
    {
        $serviceId = $this->createdService();
        $staffLink = (string) $this->whmcs->adminSingleSignOn($serviceId, $this->whmcs->addAdmin('alice'))['redirectTo'];
        parse_str((string) parse_url($staffLink, PHP_URL_QUERY), $query);
        SecretLedger::remember((string) ($query['token'] ?? ''));
        $this->openProductDetails($serviceId);

        $this->browser->goto($staffLink);

        $this->assertSame('sso_link_invalid', $this->browser->evaluate('document.getElementById("kerioSsoMessage").dataset.reason'));
        $this->assertFalse($this->exists('#user'), 'no webmail session from a staff link');
    }
}
