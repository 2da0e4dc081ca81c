<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The page behind a one-time webmail link (sso.php): checks the token against the logged-in client
 * or staff member it was issued to, then answers with the engine's auto-submitting login form for
 * Kerio's /webmail/login/dologin and writes who opened which mailbox to the activity log.
 *
 * The mailbox password exists only inside that form body: it is read from the service (WHMCS
 * decrypts it into the params), handed to the engine on stdin and printed once; it is never put in
 * a URL, the token table, a log line or a template variable. Every refusal is a short page in the
 * client's language that says what to do next. Every answer carries a Content-Security-Policy that
 * allows only its own inline script and style (by hash) and a form post to the webmail origin.
 */
final class SsoEndpoint
{
    /** @var callable(int): array<string, mixed> */
    private $paramsForService;

    /**
     * @param callable(int): array<string, mixed> $paramsForService module params of a service id
     *                                                               (in WHMCS: WHMCS\Module\Server::buildParams)
     */
    public function __construct(callable $paramsForService)
    {
        $this->paramsForService = $paramsForService;
    }

    /**
     * Decides the response for a token presented by the client account $clientId and/or the staff
     * member $adminId of the session (0 = none).
     *
     * @return array{status: int, html: string, form_origin: string}
     */
    public function handle(string $token, int $clientId, int $adminId = 0): array
    {
        $presenter = new SsoActor($clientId, $adminId);
        if ($presenter->isAnonymous()) {
            return $this->refusal(403, Lang::forParams([]), 'sso_not_logged_in', 0);
        }
        $claim = SsoTokens::redeem($token, $presenter);
        if ($claim === null) {
            return $this->refusal(410, Lang::forParams([]), 'sso_link_invalid', 0);
        }
        $serviceId = $claim['service_id'];
        try {
            $params = ($this->paramsForService)($serviceId);
        } catch (\Throwable $error) {
            // The service was deleted (or its server removed) between the click and this request.
            return $this->refusal(404, Lang::forParams([]), 'sso_unavailable', 0);
        }
        $lang = Lang::forParams($params);
        $refusal = self::refusalFor($params);
        if ($refusal !== null) {
            return $this->refusal(403, $lang, $refusal, $serviceId, self::webmailUrl($params));
        }
        try {
            $page = self::loginForm($params);
        } catch (EngineError $error) {
            $key = ['mailbox_disabled' => 'sso_suspended', 'sso_disabled' => 'sso_disabled', 'sso_protected' => 'sso_protected'][$error->errorCode()] ?? 'sso_unavailable';
            return $this->refusal($key === 'sso_unavailable' ? 503 : 403, $lang, $key, $serviceId, self::webmailUrl($params));
        } catch (SettingsError $error) {
            return $this->refusal(503, $lang, 'sso_unavailable', $serviceId, '');
        }
        logActivity('kerioSingle: webmail opened for mailbox ' . Lifecycle::address($params) . ' (service #' . $serviceId
            . ') by ' . $claim['bound_to']->describe(), (int) ($params['userid'] ?? 0));
        return ['status' => 200] + $page;
    }

    /**
     * Sends the response of handle() for the session's client and staff member (WHMCS 8's CurrentUser),
     * with headers that keep it out of caches, frames and Referers and a CSP that lets only this
     * page's own script and style run and its form post only to webmail.
     */
    public function respond(string $token, SsoActor $actor): void
    {
        $response = $this->handle($token, $actor->clientId, $actor->adminId);
        http_response_code($response['status']);
        foreach (self::headers($response['html'], $response['form_origin']) as $name => $value) {
            header($name . ': ' . $value);
        }
        echo $response['html'];
    }

    /**
     * The response headers of a page: no caching, no Referer, no framing, no MIME sniffing, and a
     * Content-Security-Policy with `default-src 'none'`, the page's inline <script>/<style> elements
     * allowed by their SHA-256, `form-action` limited to $formOrigin ('none' without a form),
     * `base-uri 'none'` and `frame-ancestors 'none'`.
     *
     * @return array<string, string>
     */
    public static function headers(string $html, string $formOrigin): array
    {
        $policy = [
            "default-src 'none'",
            'script-src ' . self::inlineHashes($html, 'script'),
            'style-src ' . self::inlineHashes($html, 'style'),
            'form-action ' . ($formOrigin === '' ? "'none'" : $formOrigin),
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ];
        return [
            'Content-Type' => 'text/html; charset=utf-8',
            'Cache-Control' => 'no-store',
            'Referrer-Policy' => 'no-referrer',
            'X-Frame-Options' => 'DENY',
            'X-Content-Type-Options' => 'nosniff',
            'Content-Security-Policy' => implode('; ', $policy),
        ];
    }

    /** "'sha256-…' …" for every inline <$element> of the page, "'none'" when it has none. */
    private static function inlineHashes(string $html, string $element): string
    {
        preg_match_all('#<' . $element . '>(.*?)</' . $element . '>#s', $html, $matches);
        $hashes = array_map(static fn (string $body): string => "'sha256-" . base64_encode(hash('sha256', $body, true)) . "'", $matches[1]);
        return $hashes === [] ? "'none'" : implode(' ', array_unique($hashes));
    }

    /**
     * Why a service may not sign in to webmail (a lang key), or null when it may.
     *
     * @param array<string, mixed> $params
     */
    public static function refusalFor(array $params): ?string
    {
        $status = (string) ($params['status'] ?? '');
        if ($status === 'Suspended') {
            return 'sso_suspended';
        }
        if ($status !== 'Active') {
            return 'sso_unavailable';
        }
        return ProductSettings::fromParams($params)->ssoEnabled() ? null : 'sso_disabled';
    }

    /**
     * The engine's auto-submitting form (`sso` op) with the service's mailbox password, and the
     * origin it posts to.
     *
     * @param array<string, mixed> $params
     * @return array{html: string, form_origin: string}
     * @throws EngineError|SettingsError
     */
    private static function loginForm(array $params): array
    {
        $result = EngineClient::forParams($params, 'ServiceSingleSignOn')->call('sso', Provisioning::mailboxArgs($params) + [
            'password' => (string) ($params['password'] ?? ''),
            'sso_enabled' => true,
        ]);
        return ['html' => (string) ($result['html'] ?? ''), 'form_origin' => self::origin((string) ($result['action'] ?? ''))];
    }

    /** "https://mail.example.com:4443" of a URL ('' when it has no http(s) scheme and host). */
    private static function origin(string $url): string
    {
        $parts = parse_url($url);
        $scheme = strtolower((string) ($parts['scheme'] ?? ''));
        if (!in_array($scheme, ['http', 'https'], true) || !isset($parts['host'])) {
            return '';
        }
        return $scheme . '://' . strtolower($parts['host']) . (isset($parts['port']) ? ':' . $parts['port'] : '');
    }

    /**
     * Where the customer can sign in by hand ('' when the server settings are unusable).
     *
     * @param array<string, mixed> $params
     */
    private static function webmailUrl(array $params): string
    {
        try {
            return ConnectionSettings::fromParams($params)->webmailUrl();
        } catch (SettingsError $error) {
            return '';
        }
    }

    /**
     * A small standalone page with the message, a way back and, for a mailbox that may still sign in by
     * hand, the webmail link (all escaped; no secrets in it).
     *
     * @return array{status: int, html: string, form_origin: string}
     */
    private function refusal(int $status, Lang $lang, string $messageKey, int $serviceId, string $webmailUrl = ''): array
    {
        $back = '../../../clientarea.php' . ($serviceId > 0 ? '?action=productdetails&id=' . $serviceId : '?action=services');
        $escape = static fn (string $text): string => htmlspecialchars($text, ENT_QUOTES, 'UTF-8');
        $html = '<!doctype html><html lang="' . $escape($lang->get('html_lang')) . '"><head><meta charset="utf-8">'
            . '<meta name="viewport" content="width=device-width, initial-scale=1">'
            . '<title>' . $escape($lang->get('sso_title')) . '</title>'
            . '<style>body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f6f8;color:#212529;margin:0}'
            . 'main{max-width:34rem;margin:12vh auto;background:#fff;border:1px solid #dee2e6;border-radius:.5rem;padding:2rem}'
            . 'h1{font-size:1.35rem;margin:0 0 1rem}p{line-height:1.5}'
            . 'a.btn{display:inline-block;margin-top:1rem;padding:.5rem 1rem;border-radius:.25rem;background:#336699;color:#fff;text-decoration:none}</style>'
            . '</head><body><main id="kerioSsoMessage" data-reason="' . $escape($messageKey) . '">'
            . '<h1>' . $escape($lang->get('sso_title')) . '</h1>'
            . '<p>' . $escape($lang->get($messageKey)) . '</p>'
            . '<a class="btn" href="' . $escape($back) . '">' . $escape($lang->get('sso_back')) . '</a> '
            . ($webmailUrl === '' || $messageKey === 'sso_suspended' ? ''
                : '<a class="btn" id="kerioSsoWebmail" href="' . $escape($webmailUrl) . '">' . $escape($lang->get('ca_open_webmail')) . '</a>')
            . '</main></body></html>';
        return ['status' => $status, 'html' => $html, 'form_origin' => ''];
    }
}
