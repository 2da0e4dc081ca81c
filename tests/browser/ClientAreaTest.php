<?php

declare(strict_types=1);

namespace KerioSingle\Tests\Browser;

use WHMCS\Database\Capsule;

/**
 * The client area overview of a mailbox as the customer sees it in Chromium.
 */
final class ClientAreaTest extends BrowserTestCase
{
    private const MIB = 1048576;

    public function testActiveMailboxShowsAddressQuotaBarAndMailAppSettings(): void
    {
        $serviceId = $this->createdService(['quota_mb' => '1024']);
        $address = $this->address($serviceId);
        $this->emulator->setUsage($address, 256 * self::MIB, 42);

        $this->openProductDetails($serviceId);
        $this->screenshot('client-area-active');

        $this->assertSame($address, $this->text('#kerioAddress'));
        $this->assertSame('active', $this->browser->evaluate('document.getElementById("kerioStatus").dataset.state'));
        $this->assertSame('256 MB of 1 GB used (25 %)', $this->text('#kerioQuotaText'));
        $this->assertEqualsWithDelta(0.25, $this->barFraction(), 0.01, 'the bar covers a quarter of its track');
        $this->assertFalse($this->exists('#kerioQuotaBar.bg-warning'), 'no warning colour at 25 %');
        $this->assertSame('42', $this->text('#kerioItems'));
        $this->assertSame('Never', $this->text('#kerioLastLogin'));
        $this->assertFalse($this->exists('#kerioLiveNotice'), 'live data was available');

        $settings = $this->settingsTable();
        $this->assertSame(['127.0.0.1', '993', 'SSL/TLS'], $settings['imap']);
        $this->assertSame(['127.0.0.1', '995', 'SSL/TLS'], $settings['pop3']);
        $this->assertSame(['127.0.0.1', '587 or 465', 'STARTTLS or SSL/TLS'], $settings['smtp']);
        $this->assertSame(['https://127.0.0.1/Microsoft-Server-ActiveSync', '443', 'HTTPS'], $settings['activesync']);
        $this->assertSame(['https://127.0.0.1/caldav/', '443', 'HTTPS'], $settings['caldav']);
        $this->assertSame(['https://127.0.0.1/carddav/', '443', 'HTTPS'], $settings['carddav']);

        $this->assertSame(
            'clientarea.php?action=productdetails&id=' . $serviceId . '&dosinglesignon=1',
            $this->browser->evaluate('document.getElementById("kerioWebmailButton").getAttribute("href")')
        );
        $this->assertSame(
            'clientarea.php?action=productdetails&id=' . $serviceId . '#tabChangepw',
            $this->browser->evaluate('document.getElementById("kerioChangePassword").getAttribute("href")')
        );
        $this->assertSame('$0.00 USD', $this->text('#kerioRecurring'));
        $this->assertSame('Monthly', $this->text('#kerioBillingCycle'));
    }

    public function testTheBillingCardShowsBothAmountsWhmcsPassesAsPriceObjects(): void
    {
        $serviceId = $this->createdService();
        Capsule::table('tblhosting')->where('id', $serviceId)->update(['firstpaymentamount' => '19.99', 'amount' => '9.50']);

        $this->openProductDetails($serviceId);

        $this->assertSame('$19.99 USD', $this->text('#kerioFirstPayment'));
        $this->assertSame('$9.50 USD', $this->text('#kerioRecurring'));
    }

    public function testGermanClientSeesGermanPageAndWarningColourAboveNinetyPercent(): void
    {
        $serviceId = $this->createdService(['quota_mb' => '1024']);
        $this->setClientLanguage($serviceId, 'german');
        $this->emulator->setUsage($this->address($serviceId), 973 * self::MIB, 1234);

        $this->openProductDetails($serviceId);
        $this->screenshot('client-area-german-almost-full');

        $this->assertSame('Ihr Postfach', $this->text('#kerioSingleOverview .card-title'));
        $this->assertSame('973 MB von 1 GB belegt (95 %)', $this->text('#kerioQuotaText'));
        $this->assertEqualsWithDelta(0.95, $this->barFraction(), 0.01);
        $this->assertTrue($this->exists('#kerioQuotaBar.bg-warning'), 'warning colour above 90 %');
        $this->assertStringStartsWith('Ihr Postfach ist fast voll.', $this->text('#kerioQuotaWarning'));
        $this->assertSame('1.234', $this->text('#kerioItems'));
        $this->assertSame('Einstellungen für Mailprogramme', $this->text('#kerioSettings .card-title'));
        $this->assertSame('Webmail öffnen', $this->text('#kerioWebmailButton'));
        $this->assertSame('Monatlich', $this->text('#kerioBillingCycle'));
    }

    public function testSuspendedMailboxSaysSoAndOffersNoWebmail(): void
    {
        $serviceId = $this->createdService();
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend', ['suspendreason' => 'Overdue on Payment']));

        $this->openProductDetails($serviceId);
        $this->screenshot('client-area-suspended');

        $this->assertSame('suspended', $this->browser->evaluate('document.getElementById("kerioStatus").dataset.state'));
        $this->assertSame('Suspended', $this->text('#kerioStatus'));
        $this->assertStringStartsWith('This mailbox is suspended.', $this->text('#kerioStateNotice'));
        $this->assertFalse($this->exists('#kerioWebmailButton'), 'no webmail button for a suspended mailbox');
        $this->assertFalse($this->exists('#kerioSettings'), 'no mail-app settings while the mailbox cannot log in');
        $this->assertTrue($this->exists('#kerioQuotaBar'), 'usage stays visible');
    }

    public function testPendingOrderSaysTheMailboxIsBeingSetUp(): void
    {
        $serviceId = $this->order($this->addProduct(), $this->addServer());

        $this->openProductDetails($serviceId);

        $this->assertSame('Pending', $this->text('#kerioStatus'));
        $this->assertStringStartsWith('This mailbox is being set up.', $this->text('#kerioStateNotice'));
        $this->assertFalse($this->exists('#kerioQuotaBar'), 'no usage before the mailbox exists');
        $this->assertFalse($this->exists('#kerioLiveNotice'), 'nothing to fetch yet, so no outage notice');
        $this->assertFalse($this->exists('#kerioWebmailButton'));
    }

    public function testUnreachableKerioStillRendersWithStoredUsage(): void
    {
        $serverId = $this->addServer();
        $serviceId = $this->createdService(['quota_mb' => '2048'], [], $serverId);
        $this->emulator->setUsage($this->address($serviceId), 512 * self::MIB);
        $this->whmcs->runDailyCron();
        $this->whmcs->updateServer($serverId, ['port' => self::closedPort()]);

        $this->openProductDetails($serviceId);
        $this->screenshot('client-area-kerio-unreachable');

        $this->assertStringStartsWith('Live mailbox details cannot be loaded right now.', $this->text('#kerioLiveNotice'));
        $this->assertSame('512 MB of 2 GB used (25 %)', $this->text('#kerioQuotaText'));
        $this->assertSame('Not available', $this->text('#kerioItems'));
        $this->assertSame($this->address($serviceId), $this->text('#kerioAddress'));
    }

    /** Rendered width of the quota bar divided by the width of its track. */
    private function barFraction(): float
    {
        return (float) $this->browser->evaluate(
            '(() => { const bar = document.getElementById("kerioQuotaBar");'
            . ' return bar.getBoundingClientRect().width / bar.parentElement.getBoundingClientRect().width; })()'
        );
    }

    /**
     * The mail-app settings table: service => [server, port, encryption].
     *
     * @return array<string, list<string>>
     */
    private function settingsTable(): array
    {
        return (array) $this->browser->evaluate(
            'Object.fromEntries([...document.querySelectorAll("#kerioSettings tbody tr")].map(row =>'
            . ' [row.dataset.service, [...row.querySelectorAll("td")].map(cell => cell.innerText.trim())]))'
        );
    }

    /** A loopback port nothing listens on. */
    private static function closedPort(): int
    {
        $socket = stream_socket_server('tcp://127.0.0.1:0');
        $name = (string) stream_socket_get_name($socket, false);
        fclose($socket);
        return (int) substr($name, strrpos($name, ':') + 1);
    }
}
