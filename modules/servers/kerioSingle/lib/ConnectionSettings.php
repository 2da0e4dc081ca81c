<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * What a mail app needs to reach the mailbox: one row per service (IMAP, POP3, SMTP, ActiveSync,
 * CalDAV, CardDAV) with host, port(s) and encryption, plus the webmail URL.
 *
 * The ports are Kerio Connect's defaults (IMAP 993 SSL/TLS, POP3 995 SSL/TLS, SMTP submission
 * 587 STARTTLS or 465 SSL/TLS; ActiveSync, CalDAV and CardDAV over HTTPS 443 at
 * /Microsoft-Server-ActiveSync, /caldav/ and /carddav/). The host customers use is the host of the
 * server's `webmail_url` (Access Hash) when one is set, because that is the public name the hoster
 * chose for clients; otherwise the server's hostname (or IP) from Setup > Servers.
 */
final class ConnectionSettings
{
    private string $host;
    private string $webmailUrl;

    private function __construct(string $host, string $webmailUrl)
    {
        $this->host = $host;
        $this->webmailUrl = $webmailUrl;
    }

    /**
     * Derives the client-facing host and webmail URL from the server settings of module params.
     *
     * @param array<string, mixed> $params
     * @throws SettingsError when no server is assigned or its Access Hash is malformed
     */
    public static function fromParams(array $params): self
    {
        $server = ServerSettings::fromParams($params)->toBridge();
        $webmailUrl = (string) ($server['webmail_url'] ?? '');
        $host = $webmailUrl === '' ? '' : (string) parse_url($webmailUrl, PHP_URL_HOST);
        if ($host === '') {
            $host = (string) $server['host'];
            $webmailUrl = 'https://' . self::urlHost($host) . '/webmail/';
        }
        return new self($host, $webmailUrl);
    }

    /** The host name mail apps connect to. */
    public function host(): string
    {
        return $this->host;
    }

    /** Kerio Connect Client (webmail) entry page. */
    public function webmailUrl(): string
    {
        return $this->webmailUrl;
    }

    /**
     * The rows of the mail-app settings table. `ports` and `security` are pairs in the same order;
     * `url` is set for the HTTPS services (ActiveSync, CalDAV, CardDAV).
     *
     * @return list<array{service: string, host: string, url: string, ports: list<int>, security: list<string>}>
     */
    public function rows(): array
    {
        $base = 'https://' . self::urlHost($this->host);
        return [
            $this->row('imap', '', [993], ['ssl']),
            $this->row('pop3', '', [995], ['ssl']),
            $this->row('smtp', '', [587, 465], ['starttls', 'ssl']),
            $this->row('activesync', $base . '/Microsoft-Server-ActiveSync', [443], ['https']),
            $this->row('caldav', $base . '/caldav/', [443], ['https']),
            $this->row('carddav', $base . '/carddav/', [443], ['https']),
        ];
    }

    /**
     * @param list<int>    $ports
     * @param list<string> $security
     * @return array{service: string, host: string, url: string, ports: list<int>, security: list<string>}
     */
    private function row(string $service, string $url, array $ports, array $security): array
    {
        return ['service' => $service, 'host' => $this->host, 'url' => $url, 'ports' => $ports, 'security' => $security];
    }

    /** An IPv6 literal needs brackets inside a URL. */
    private static function urlHost(string $host): string
    {
        return strpos($host, ':') !== false && $host[0] !== '[' ? '[' . $host . ']' : $host;
    }
}
