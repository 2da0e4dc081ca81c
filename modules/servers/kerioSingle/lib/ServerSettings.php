<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The Kerio server as configured in WHMCS (Setup > Servers), in the shape the engine expects.
 *
 * Standard fields: hostname (or IP), port (default 4040), SSL, username, password.
 * The Access Hash field takes optional `key = value` lines; `#` starts a comment:
 *
 *     tls_fingerprint = AB:CD:…   SHA-256 of Kerio's certificate (recommended for the self-signed default)
 *     ca_file = /path/ca.pem       a CA bundle to trust instead of the system roots
 *     webmail_url = https://mail.example.com/webmail/   (default https://HOSTNAME/webmail/)
 *     timeout = 30                 seconds per Kerio request (1–300)
 *     allow_plain_http = yes       only for a test server: lets an unticked Secure box mean plain HTTP
 *                                  (the admin password then travels in clear); without it the engine
 *                                  refuses plain HTTP before connecting and says to tick Secure
 */
final class ServerSettings
{
    /** Kerio Connect's administration port (HTTPS). */
    public const DEFAULT_PORT = 4040;
    /** Seconds per Kerio request when the Access Hash sets none. */
    public const DEFAULT_TIMEOUT = 30;
    private const MAX_TIMEOUT = 300;
    private const MAX_PORT = 65535;
    private const ACCESS_HASH_KEYS = ['tls_fingerprint', 'ca_file', 'webmail_url', 'timeout', 'allow_plain_http', 'forwarding_changes_per_hour'];
    /** Most forwarding changes per service and hour the Access Hash may allow. */
    private const MAX_FORWARDING_CHANGES_PER_HOUR = 1000;
    /** Spellings of allow_plain_http: value => allowed. */
    private const YES_NO = ['yes' => true, 'no' => false];

    private string $host;
    private int $port;
    private bool $secure;
    private string $username;
    private string $password;
    /** @var array<string, string> */
    private array $options;

    /**
     * @param array<string, string> $options parsed Access Hash lines
     */
    private function __construct(string $host, int $port, bool $secure, string $username, string $password, array $options)
    {
        $this->host = $host;
        $this->port = $port;
        $this->secure = $secure;
        $this->username = $username;
        $this->password = $password;
        $this->options = $options;
    }

    /**
     * Reads the server keys of WHMCS module params (serverhostname, serverip, serverport, serversecure,
     * serverusername, serverpassword, serveraccesshash).
     *
     * @param array<string, mixed> $params
     * @throws SettingsError when the server is missing or the Access Hash is malformed
     */
    public static function fromParams(array $params): self
    {
        $host = trim((string) ($params['serverhostname'] ?? ''));
        if ($host === '') {
            $host = trim((string) ($params['serverip'] ?? ''));
        }
        if ($host === '') {
            throw new SettingsError(
                'No Kerio server is assigned: set the hostname or IP address of the server in Setup > Servers '
                . 'and assign the server (or its group) to the product.'
            );
        }
        $port = self::port($params['serverport'] ?? '');
        return new self(
            $host,
            $port,
            self::isSecure($params['serversecure'] ?? true),
            (string) ($params['serverusername'] ?? ''),
            (string) ($params['serverpassword'] ?? ''),
            self::parseAccessHash((string) ($params['serveraccesshash'] ?? ''))
        );
    }

    /**
     * Reads a tblservers row (password decrypted with WHMCS's decrypt()), for calls made outside a
     * service context such as the product settings page.
     *
     * @throws SettingsError when the row is unusable
     */
    public static function fromServerRow(object $row): self
    {
        return self::fromParams([
            'serverhostname' => $row->hostname ?? '',
            'serverip' => $row->ipaddress ?? '',
            'serverport' => $row->port ?? 0,
            'serversecure' => (string) ($row->secure ?? '') === 'on',
            'serverusername' => $row->username ?? '',
            'serverpassword' => decrypt((string) ($row->password ?? '')),
            'serveraccesshash' => $row->accesshash ?? '',
        ]);
    }

    /**
     * Parses the Access Hash `key = value` lines.
     *
     * @return array<string, string>
     * @throws SettingsError naming the offending line
     */
    public static function parseAccessHash(string $text): array
    {
        $options = [];
        foreach (preg_split('/\R/', $text) ?: [] as $index => $rawLine) {
            $line = trim($rawLine);
            if ($line === '' || $line[0] === '#') {
                continue;
            }
            [$key, $value] = self::splitLine($line, $index + 1);
            $options[$key] = $value;
        }
        if (isset($options['timeout'])) {
            self::checkTimeout($options['timeout']);
        }
        if (isset($options['forwarding_changes_per_hour'])) {
            self::checkForwardingChanges($options['forwarding_changes_per_hour']);
        }
        $plainHttp = self::plainHttpAllowed($options);
        if (isset($options['webmail_url'])) {
            self::checkWebmailUrl($options['webmail_url'], $plainHttp);
        }
        return $options;
    }

    /** The admin password; listed among the secrets the module log masks. */
    public function password(): string
    {
        return $this->password;
    }

    /** Seconds per Kerio request. */
    public function timeoutSeconds(): int
    {
        return (int) ($this->options['timeout'] ?? self::DEFAULT_TIMEOUT);
    }

    /** Forwarding changes one service may make per hour (Access Hash `forwarding_changes_per_hour`, default 10). */
    public function forwardingChangesPerHour(): int
    {
        return (int) ($this->options['forwarding_changes_per_hour'] ?? ForwardingChanges::DEFAULT_PER_HOUR);
    }

    /**
     * The `server` object of a bridge request.
     *
     * @return array<string, mixed>
     */
    public function toBridge(): array
    {
        return [
            'host' => $this->host,
            'port' => $this->port,
            'secure' => $this->secure,
            'username' => $this->username,
            'password' => $this->password,
            'tls_fingerprint' => $this->options['tls_fingerprint'] ?? null,
            'ca_file' => $this->options['ca_file'] ?? null,
            'timeout_s' => $this->timeoutSeconds(),
            'webmail_url' => $this->options['webmail_url'] ?? null,
            'allow_plain_http' => self::plainHttpAllowed($this->options),
        ];
    }

    /**
     * @return array{0: string, 1: string}
     */
    private static function splitLine(string $line, int $number): array
    {
        $parts = explode('=', $line, 2);
        $key = strtolower(trim($parts[0]));
        if (count($parts) !== 2 || $key === '' || trim($parts[1]) === '') {
            throw new SettingsError(
                'Access Hash line ' . $number . ' is not of the form `key = value`. '
                . 'Allowed keys: ' . implode(', ', self::ACCESS_HASH_KEYS) . '.'
            );
        }
        if (!in_array($key, self::ACCESS_HASH_KEYS, true)) {
            throw new SettingsError(
                'Access Hash line ' . $number . ' uses the unknown key ' . SettingsError::quote($key) . '. '
                . 'Allowed keys: ' . implode(', ', self::ACCESS_HASH_KEYS) . '.'
            );
        }
        return [$key, trim($parts[1])];
    }

    private static function checkTimeout(string $value): void
    {
        if (!ctype_digit($value) || (int) $value < 1 || (int) $value > self::MAX_TIMEOUT) {
            throw new SettingsError(
                'Access Hash: timeout must be a whole number of seconds from 1 to ' . self::MAX_TIMEOUT . '.'
            );
        }
    }

    private static function checkForwardingChanges(string $value): void
    {
        if (!ctype_digit($value) || (int) $value < 1 || (int) $value > self::MAX_FORWARDING_CHANGES_PER_HOUR) {
            throw new SettingsError(
                'Access Hash: forwarding_changes_per_hour must be a whole number from 1 to ' . self::MAX_FORWARDING_CHANGES_PER_HOUR
                . ' (changes of one service\'s forwarding per hour; default ' . ForwardingChanges::DEFAULT_PER_HOUR . ').'
            );
        }
    }

    /**
     * The server port: WHMCS's value, the default when none is set (0 or empty).
     *
     * @param mixed $value
     * @throws SettingsError when it is not 1–65535
     */
    private static function port($value): int
    {
        $text = trim((string) $value);
        if ($text === '' || $text === '0') {
            return self::DEFAULT_PORT;
        }
        if (!ctype_digit($text) || (int) $text > self::MAX_PORT) {
            throw new SettingsError(
                'The server port ' . SettingsError::quote($text) . ' is not a port number: use 1 to ' . self::MAX_PORT
                . ' (Kerio\'s administration port is ' . self::DEFAULT_PORT . ') in Setup > Servers.'
            );
        }
        return (int) $text;
    }

    /**
     * The Access Hash line allow_plain_http (absent = no).
     *
     * @param array<string, string> $options
     * @throws SettingsError when it is neither yes nor no
     */
    private static function plainHttpAllowed(array $options): bool
    {
        $value = strtolower($options['allow_plain_http'] ?? 'no');
        if (!isset(self::YES_NO[$value])) {
            throw new SettingsError('Access Hash: the line allow_plain_http must be yes or no (it is only for a test server).');
        }
        return self::YES_NO[$value];
    }

    /**
     * The webmail URL is linked for customers and is the target of the SSO form: an absolute https
     * address (http only with allow_plain_http = yes) with a host, without user name, password, query,
     * fragment, spaces or control characters. The message does not repeat the value.
     *
     * @throws SettingsError naming the Access Hash line
     */
    private static function checkWebmailUrl(string $value, bool $plainHttp): void
    {
        $parts = parse_url($value);
        $scheme = strtolower((string) ($parts['scheme'] ?? ''));
        $usable = is_array($parts)
            && ($scheme === 'https' || ($plainHttp && $scheme === 'http'))
            && (string) ($parts['host'] ?? '') !== ''
            && array_intersect_key($parts, array_flip(['user', 'pass', 'query', 'fragment'])) === []
            && preg_match('/[\x00-\x20\x7F@"\'<>\\\\`]/', $value) !== 1;
        if (!$usable) {
            throw new SettingsError(
                'Access Hash: the line webmail_url must be the absolute https address of Kerio\'s webmail with a host name, '
                . 'and must not contain a user name or password, query or fragment (customers see this link), '
                . 'e.g. webmail_url = https://mail.example.com/webmail/ (http only with allow_plain_http = yes).'
            );
        }
    }

    /**
     * WHMCS passes serversecure as a bool; stored rows use 'on'/''.
     *
     * @param mixed $value
     */
    private static function isSecure($value): bool
    {
        if (is_bool($value)) {
            return $value;
        }
        return in_array(strtolower((string) $value), ['on', '1', 'true', 'yes'], true);
    }
}
