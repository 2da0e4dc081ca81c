<?php

namespace KerioSingle\Harness;

/**
 * A running Kerio Connect emulator process (crates/kerio-emulator) and its test-control API:
 * started with `kerio-emulator serve`, stopped on stop() or at the end of the PHP process.
 * Control calls go over HTTPS trusting only the emulator's own certificate file.
 */
final class Emulator
{
    /** Environment variable naming the emulator binary. */
    public const BINARY_ENV = 'KERIO_EMULATOR_BIN';
    /** The admin the emulator is started with. */
    public const ADMIN_USER = 'admin@example.com';
    /** Domains the emulator serves. */
    public const DOMAINS = ['example.com', 'example.org'];

    /** @var resource|null */
    private $process;
    private string $adminPassword;
    private string $stateDir;
    /** @var array{admin_url: string, webmail_url: string, cert_file: string, fingerprint_sha256: string} */
    private array $ready;

    /**
     * @param resource $process
     * @param array{admin_url: string, webmail_url: string, cert_file: string, fingerprint_sha256: string} $ready
     */
    private function __construct($process, array $ready, string $adminPassword, string $stateDir)
    {
        $this->stateDir = $stateDir;
        $this->process = $process;
        $this->ready = $ready;
        $this->adminPassword = $adminPassword;
    }

    /** The emulator binary: KERIO_EMULATOR_BIN or target/release/kerio-emulator. */
    public static function binary(): string
    {
        $fromEnvironment = getenv(self::BINARY_ENV);
        return is_string($fromEnvironment) && $fromEnvironment !== '' ? $fromEnvironment : ROOTDIR . '/target/release/kerio-emulator';
    }

    /**
     * Starts an emulator with a fresh state directory and waits for its ready line.
     *
     * @param list<string> $extraArguments further `serve` flags, e.g. ['--license-users', '3']
     * @throws \RuntimeException naming the fix when it cannot start
     */
    public static function start(string $stateDir, string $adminPassword, array $extraArguments = []): self
    {
        $binary = self::binary();
        if (!is_executable($binary)) {
            throw new \RuntimeException('The Kerio emulator ' . $binary . ' is missing: run `make build` or set ' . self::BINARY_ENV . '.');
        }
        if (!is_dir($stateDir) && !mkdir($stateDir, 0700, true)) {
            throw new \RuntimeException('Cannot create the emulator state directory ' . $stateDir . '.');
        }
        $command = [$binary, 'serve', '--state', $stateDir, '--admin-listen', '127.0.0.1:0', '--client-listen', '127.0.0.1:0',
            '--admin', self::ADMIN_USER . ':' . $adminPassword];
        foreach (self::DOMAINS as $domain) {
            array_push($command, '--domain', $domain);
        }
        array_push($command, ...$extraArguments);
        $pipes = [];
        $process = proc_open($command, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['file', $stateDir . '/emulator.log', 'a']], $pipes);
        if (!is_resource($process)) {
            throw new \RuntimeException('Cannot start ' . $binary . '.');
        }
        $line = fgets($pipes[1]);
        $ready = is_string($line) ? json_decode($line, true) : null;
        if (!is_array($ready) || !isset($ready['admin_url'], $ready['webmail_url'], $ready['cert_file'], $ready['fingerprint_sha256'])) {
            proc_terminate($process);
            throw new \RuntimeException('The emulator did not print its ready line; see ' . $stateDir . '/emulator.log.');
        }
        $emulator = new self($process, $ready, $adminPassword, $stateDir);
        register_shutdown_function([$emulator, 'stop']);
        return $emulator;
    }

    /** Stops the process (idempotent). */
    public function stop(): void
    {
        if (is_resource($this->process)) {
            proc_terminate($this->process);
            proc_close($this->process);
        }
        $this->process = null;
    }

    /** The emulator's certificate (PEM), for clients that trust exactly it. */
    public function certFile(): string
    {
        return $this->ready['cert_file'];
    }

    /** The admin API endpoint, https://127.0.0.1:PORT/admin/api/jsonrpc/. */
    public function adminUrl(): string
    {
        return $this->ready['admin_url'];
    }

    /** The file the emulator's stderr goes to (its log). */
    public function logFile(): string
    {
        return $this->stateDir . '/emulator.log';
    }

    /** Port of the admin API (https://127.0.0.1:PORT/admin/api/jsonrpc/). */
    public function adminPort(): int
    {
        return (int) parse_url($this->ready['admin_url'], PHP_URL_PORT);
    }

    /** The webmail base URL, e.g. https://127.0.0.1:PORT/webmail/. */
    public function webmailUrl(): string
    {
        return $this->ready['webmail_url'];
    }

    /** SHA-256 fingerprint of the emulator's certificate (upper-case hex with colons). */
    public function fingerprint(): string
    {
        return $this->ready['fingerprint_sha256'];
    }

    /** The admin password the emulator accepts. */
    public function adminPassword(): string
    {
        return $this->adminPassword;
    }

    /**
     * A tblservers definition pinned to the emulator's certificate.
     *
     * @return array<string, mixed>
     */
    public function serverFields(): array
    {
        return [
            'name' => 'Kerio (emulator)',
            'hostname' => '127.0.0.1',
            'username' => self::ADMIN_USER,
            'password' => $this->adminPassword,
            'port' => $this->adminPort(),
            'secure' => true,
            'accesshash' => "tls_fingerprint = " . $this->fingerprint() . "\nwebmail_url = " . $this->webmailUrl() . "\ntimeout = 10",
        ];
    }

    /** Sets a mailbox's consumed size (and items) as if mail had arrived. */
    public function setUsage(string $address, int $bytes, int $items = 0): void
    {
        $this->control('POST', 'usage', ['email' => $address, 'bytes' => $bytes, 'items' => $items]);
    }

    /**
     * Injects a fault, e.g. ['method' => 'Users.create', 'kind' => 'http500', 'times' => 1].
     *
     * @param array<string, mixed> $fault
     */
    public function addFault(array $fault): void
    {
        $this->control('POST', 'faults', $fault);
    }

    /**
     * Adds an administrator with a role (UserRole, Auditor, AccountAdmin, FullAdmin); $more adds
     * optional fields, e.g. ['groupRole' => 'FullAdmin', 'description' => '…'].
     *
     * @param array<string, string> $more
     */
    public function addAdmin(string $login, string $domain, string $password, string $role, array $more = []): void
    {
        $this->control('POST', 'admins', ['login' => $login, 'domain' => $domain, 'password' => $password, 'role' => $role] + $more);
    }

    /**
     * Adds a mail domain, e.g. ['name' => 'small.test', 'passwordComplexityEnabled' => false].
     *
     * @param array<string, mixed> $domain
     */
    public function addDomain(array $domain): void
    {
        $this->control('POST', 'domains', $domain);
    }

    /**
     * Makes the webmail form login require (or not) the CSRF token of its login page, to test
     * single sign-on against a server with and without that sign-in protection.
     */
    public function setWebmailCsrf(bool $required): void
    {
        $this->control('POST', 'settings', ['webmailCsrf' => $required]);
    }

    /**
     * Adds an alias, group or mailing list (kind EntityAlias, EntityGroup, EntityMailingList)
     * holding `name` and the extra local parts, as Server.findEntityByEmail reports them.
     *
     * @param list<string> $addresses
     */
    public function addAddressHolder(string $kind, string $domain, string $name, array $addresses = []): void
    {
        $this->control('POST', 'holders', ['kind' => $kind, 'domain' => $domain, 'name' => $name, 'addresses' => $addresses]);
    }

    /** Removes every pending fault. */
    public function clearFaults(): void
    {
        $this->control('DELETE', 'faults');
    }

    /**
     * The emulator's state: domains, users (each with `email`), keptMailboxes.
     *
     * @return array<string, mixed>
     */
    public function state(): array
    {
        return $this->control('GET', 'state');
    }

    /**
     * The emulated Kerio user with this address, or null.
     *
     * @return array<string, mixed>|null
     */
    public function user(string $address): ?array
    {
        foreach ((array) $this->state()['users'] as $user) {
            if (strcasecmp((string) ($user['email'] ?? ''), $address) === 0) {
                return $user;
            }
        }
        return null;
    }

    /**
     * API calls per method since the last resetStats().
     *
     * @return array{total: int, methods: array<string, int>}
     */
    public function stats(): array
    {
        return $this->control('GET', 'stats');
    }

    /** Zeroes the call counters. */
    public function resetStats(): void
    {
        $this->control('POST', 'stats/reset', []);
    }

    /**
     * Logs into webmail the way a browser posts the login form; true when Kerio accepted the password.
     */
    public function webmailLogin(string $address, string $password): bool
    {
        $response = $this->https('POST', $this->webmailUrl() . 'login/dologin', http_build_query([
            'kerio_username' => $address, 'kerio_password' => $password,
        ]), 'application/x-www-form-urlencoded');
        return $response['status'] === 302 && rtrim($response['location'], '/') === '/webmail';
    }

    /**
     * Sets a user's aliases (Kerio `emailAddresses`) the way an administrator does in Kerio's own
     * console: Session.login, Users.set, Session.logout over the admin API.
     *
     * @param list<string> $aliases
     * @throws \RuntimeException when there is no such user or Kerio refuses
     */
    public function setAliases(string $address, array $aliases): void
    {
        $user = $this->user($address);
        if ($user === null) {
            throw new \RuntimeException('The emulator has no user ' . $address . '.');
        }
        $session = curl_init();
        try {
            $login = $this->rpc($session, '', 'Session.login', [
                'userName' => self::ADMIN_USER, 'password' => $this->adminPassword,
                'application' => ['name' => 'kerioSingle harness', 'vendor' => 'kerioSingle', 'version' => '1'],
            ]);
            $token = (string) ($login['token'] ?? '');
            $this->rpc($session, $token, 'Users.set', ['userIds' => [(string) $user['id']], 'pattern' => ['emailAddresses' => $aliases]]);
            $this->rpc($session, $token, 'Session.logout', []);
        } finally {
            curl_close($session);
        }
    }

    /**
     * One JSON-RPC call on a kept-alive curl handle (its cookie engine holds the session cookie).
     *
     * @param \CurlHandle $session
     * @param array<string, mixed> $params
     * @return array<string, mixed> the result
     */
    private function rpc($session, string $token, string $method, array $params): array
    {
        curl_setopt_array($session, [
            CURLOPT_URL => $this->ready['admin_url'],
            CURLOPT_POST => true,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_CAINFO => $this->ready['cert_file'],
            CURLOPT_COOKIEFILE => '',
            CURLOPT_TIMEOUT => 30,
            CURLOPT_HTTPHEADER => ['Content-Type: application/json', 'X-Token: ' . $token],
            CURLOPT_POSTFIELDS => (string) json_encode(['jsonrpc' => '2.0', 'id' => 1, 'method' => $method, 'params' => $params === [] ? new \stdClass() : $params]),
        ]);
        $decoded = json_decode((string) curl_exec($session), true);
        if (!is_array($decoded) || isset($decoded['error']) || !array_key_exists('result', $decoded)) {
            throw new \RuntimeException($method . ' failed: ' . json_encode($decoded['error'] ?? curl_error($session)));
        }
        return (array) $decoded['result'];
    }

    /**
     * @param array<string, mixed>|null $body
     * @return array<string, mixed>
     */
    private function control(string $method, string $path, ?array $body = null): array
    {
        $url = preg_replace('#/admin/api/jsonrpc/?$#', '/_emulator/', $this->ready['admin_url']) . $path;
        $response = $this->https($method, $url, $body === null ? null : (string) json_encode($body), 'application/json');
        $decoded = json_decode($response['body'], true);
        if ($response['status'] !== 200 || !is_array($decoded)) {
            throw new \RuntimeException('Emulator control ' . $method . ' ' . $path . ' failed (' . $response['status'] . '): ' . $response['body']);
        }
        return $decoded;
    }

    /**
     * One HTTPS request trusting only the emulator's certificate; redirects are not followed.
     *
     * @return array{status: int, location: string, body: string}
     */
    private function https(string $method, string $url, ?string $body, string $contentType): array
    {
        $location = '';
        $curl = curl_init($url);
        curl_setopt_array($curl, [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_CAINFO => $this->ready['cert_file'],
            CURLOPT_SSL_VERIFYPEER => true,
            CURLOPT_SSL_VERIFYHOST => 2,
            CURLOPT_TIMEOUT => 30,
            CURLOPT_HTTPHEADER => ['Content-Type: ' . $contentType],
            CURLOPT_HEADERFUNCTION => static function ($handle, string $header) use (&$location): int {
                if (stripos($header, 'Location:') === 0) {
                    $location = trim(substr($header, 9));
                }
                return strlen($header);
            },
        ]);
        if ($body !== null) {
            curl_setopt($curl, CURLOPT_POSTFIELDS, $body);
        }
        $text = curl_exec($curl);
        if ($text === false) {
            throw new \RuntimeException('HTTPS ' . $method . ' ' . $url . ' failed: ' . curl_error($curl));
        }
        $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        curl_close($curl);
        return ['status' => $status, 'location' => $location, 'body' => (string) $text];
    }
}
