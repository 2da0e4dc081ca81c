<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The page behind a one-time webmail link (sso.php): checks the token and the logged-in client,
 * then answers with the engine's auto-submitting login form for Kerio's /webmail/login/dologin.
 *
 * The mailbox password exists only inside that form body: it is read from the service (WHMCS
 * decrypts it into the params), handed to the engine on stdin and printed once; it is never put in
 * a URL, the token table, a log line or a template variable. Every refusal is a short page in the
 * client's language that says what to do next.
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
     * Decides the response for a token presented by the client logged in as $clientId (0 = nobody).
     *
     * @return array{status: int, html: string}
     */
    public function handle(string $token, int $clientId): array
    {
        if ($clientId <= 0) {
            return $this->refusal(403, Lang::forParams([]), 'sso_not_logged_in', 0);
        }
        $serviceId = SsoTokens::redeem($token, $clientId);
        if ($serviceId === null) {
            return $this->refusal(410, Lang::forParams([]), 'sso_link_invalid', 0);
        }
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
            return ['status' => 200, 'html' => self::loginForm($params)];
        } catch (EngineError $error) {
            $key = ['mailbox_disabled' => 'sso_suspended', 'sso_disabled' => 'sso_disabled'][$error->errorCode()] ?? 'sso_unavailable';
            return $this->refusal($key === 'sso_unavailable' ? 503 : 403, $lang, $key, $serviceId, self::webmailUrl($params));
        } catch (SettingsError $error) {
            return $this->refusal(503, $lang, 'sso_unavailable', $serviceId, '');
        }
    }

    /** Sends the response of handle() with headers that keep it out of caches, frames and Referers. */
    public function respond(string $token, int $clientId): void
    {
        $response = $this->handle($token, $clientId);
        http_response_code($response['status']);
        header('Content-Type: text/html; charset=utf-8');
        header('Cache-Control: no-store');
        header('Referrer-Policy: no-referrer');
        header('X-Frame-Options: DENY');
        echo $response['html'];
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
     * The engine's auto-submitting form (`sso` op) with the service's mailbox password.
     *
     * @param array<string, mixed> $params
     * @throws EngineError|SettingsError
     */
    private static function loginForm(array $params): string
    {
        $result = EngineClient::forParams($params, 'ServiceSingleSignOn')->call('sso', [
            'address' => Lifecycle::address($params),
            'service_id' => (int) ($params['serviceid'] ?? 0),
            'password' => (string) ($params['password'] ?? ''),
            'sso_enabled' => true,
        ]);
        return (string) ($result['html'] ?? '');
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
     * @return array{status: int, html: string}
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
        return ['status' => $status, 'html' => $html];
    }
}
