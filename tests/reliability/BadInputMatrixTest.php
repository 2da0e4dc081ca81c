<?php

namespace KerioSingle\Reliability;

use KerioSingle\Harness\Whmcs;
use KerioSingle\Reliability\Support\ReliabilityTestCase;
use KerioSingle\SecretScan\SecretLedger;
use KerioSingle\Tests\Support\TestEnvironment;
use WHMCS\Database\Capsule;
use WHMCS\Module\Server\kerioSingle\CustomFields;
use WHMCS\Module\Server\kerioSingle\OrderForm;

/**
 * The bad-input matrix: every value a customer or an admin can get wrong, through the module and
 * the WHMCS harness. Each case must be refused with a message that names what to fix, and the
 * Kerio side (GET /_emulator/state) must be exactly as before.
 *
 * A case is [kind, input, pattern the error must match]. Kinds:
 * - create: an order with these custom fields / product settings / server fields, then Create;
 * - quota_preset: an order whose admin-only "Quota (MB)" field holds the value, then Create;
 * - missing_fields: the product lacks these custom fields, then Create;
 * - changepw: an Active mailbox, then Change Password (admin area) to the value;
 * - upgrade: an Active mailbox, then Upgrade to a product with these settings;
 * - test_connection: a server with these fields, then Test Connection;
 * - cart: the configure-product form posted to the cart hook (nothing reaches Kerio; 1 MB values);
 * - selfservice: an Active mailbox whose product sells 3 aliases and forwarding to 2 addresses (it has
 *   the alias `own`; another service's mailbox holds the alias `taken`), then the client-area custom
 *   function `function` with the form `post` (`SELF` stands for the mailbox's address);
 * - options: an order whose Configurable Options hold these choices, then Create.
 *
 * Every error stays short (the engine and the module quote at most 64 characters of an input).
 */
final class BadInputMatrixTest extends ReliabilityTestCase
{
    private const MAILBOX_NAME = '/mailbox name/i';
    private const DOMAIN = '/domain/i';
    private const PASSWORD = '/password|characters/i';
    private const NAME = '/first name|last name/i';
    private const ACCESS_HASH = '/Access Hash/';
    private const CREDENTIALS = '/user name or password|admin password|log in|credentials/i';
    private const TICK_SECURE = '/Tick Secure/';
    private const WEBMAIL_URL = '/Access Hash: the line webmail_url/';
    /** Longest acceptable error text, whatever the input's size. */
    private const MAX_ERROR_BYTES = 1500;
    /** A well-formed SHA-256 fingerprint that matches no certificate. */
    private const SOME_FINGERPRINT = 'AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB';
    /** Characters of the largest value WHMCS can store in a custom field or a service (TEXT column). */
    private const LARGEST_STORED = 60000;
    private const ONE_MB = 1048576;

    /**
     * @return iterable<string, array{0: string, 1: array<string, mixed>, 2: string}>
     */
    public static function badInputs(): iterable
    {
        yield from self::localParts();
        yield from self::domains();
        yield from self::passwords();
        yield from self::quotas();
        yield from self::keptMailDays();
        yield from self::names();
        yield from self::accessHashes();
        yield from self::credentials();
        yield from self::missingFields();
        yield from self::plainHttp();
        yield from self::webmailUrls();
        yield from self::absurdNumbers();
        yield from self::hugeInputs();
        yield from self::selfService();
        yield from self::configurableOptions();
    }

    /** @return iterable<string, array{0: string, 1: array<string, mixed>, 2: string}> */
    private static function plainHttp(): iterable
    {
        $servers = [
            'Secure unticked' => ['secure' => false, 'accesshash' => 'timeout = 10'],
            'Secure unticked, fingerprint set' => ['secure' => false],
            'allowed, but with a fingerprint' => ['secure' => false, 'accesshash' => "allow_plain_http = yes\ntls_fingerprint = " . self::SOME_FINGERPRINT],
            'allowed, but with a CA file' => ['secure' => false, 'accesshash' => "allow_plain_http = yes\nca_file = /etc/ssl/certs/ca-certificates.crt"],
        ];
        foreach ($servers as $label => $server) {
            yield 'plain http: ' . $label => ['create', ['server' => $server], self::TICK_SECURE];
            yield 'plain http (test connection): ' . $label => ['test_connection', ['server' => $server], self::TICK_SECURE];
        }
        yield 'plain http: allow_plain_http neither yes nor no' => ['test_connection', ['server' => ['secure' => false, 'accesshash' => 'allow_plain_http = maybe']], '/allow_plain_http must be yes or no/'];
    }

    /** @return iterable<string, array{0: string, 1: array<string, mixed>, 2: string}> */
    private static function webmailUrls(): iterable
    {
        $values = [
            'http without allow_plain_http' => 'http://mail.example.com/webmail/', 'javascript' => 'javascript:alert(1)',
            'no host' => 'https:///webmail/', 'relative' => '/webmail/', 'ftp' => 'ftp://mail.example.com/',
            'credentials' => 'https://admin:Web-Secr3t@mail.example.com/webmail/', 'query' => 'https://mail.example.com/webmail/?x=1',
            'fragment' => 'https://mail.example.com/webmail/#top', 'control character' => "https://mail.example.com/web\x01mail/",
            'space' => 'https://mail.example.com/web mail/', 'markup' => 'https://mail.example.com/"><script>',
        ];
        foreach ($values as $label => $value) {
            yield 'webmail_url: ' . $label => ['test_connection', ['server' => ['accesshash' => 'webmail_url = ' . $value]], self::WEBMAIL_URL];
        }
        yield 'webmail_url (create): javascript' => ['create', ['server' => ['accesshash' => 'webmail_url = javascript:alert(1)']], self::WEBMAIL_URL];
    }

    /** @return iterable<string, array{0: string, 1: array<string, mixed>, 2: string}> */
    private static function absurdNumbers(): iterable
    {
        yield 'absurd: timeout 2^64' => ['test_connection', ['server' => ['accesshash' => 'timeout = 18446744073709551616']], self::ACCESS_HASH];
        yield 'absurd: server port 65536' => ['create', ['server' => ['port' => 65536]], '/port .*1 to 65535/'];
        yield 'absurd: server port 2^31-1' => ['test_connection', ['server' => ['port' => 2147483647]], '/port .*1 to 65535/'];
        yield 'absurd: product quota 2^64' => ['create', ['settings' => ['quota_mb' => '18446744073709551616']], '/quota/i'];
        yield 'absurd: admin quota field 2^63' => ['quota_preset', ['quota' => '9223372036854775808'], '/quota/i'];
        yield 'absurd: minimum password length 2^64' => ['create', ['settings' => ['password_min_length' => '18446744073709551616']], '/Minimum password length/'];
        yield 'absurd: minimum password length 129' => ['create', ['settings' => ['password_min_length' => '129']], '/Minimum password length/'];
        yield 'absurd: upgrade to quota 2^64' => ['upgrade', ['settings' => ['quota_mb' => '18446744073709551616']], '/quota/i'];
        yield 'reserved names setting: markup' => ['create', ['settings' => ['reserved_names' => 'team, <b>x</b>']], '/Reserved mailbox names/'];
        yield 'reserved names setting: 65 characters' => ['create', ['settings' => ['reserved_names' => str_repeat('r', 65)]], '/Reserved mailbox names/'];
        yield 'reserved names setting: the ordered name' => ['create', ['settings' => ['reserved_names' => 'team'], 'fields' => ['localpart' => 'Team']], '/reserved/'];
    }

    /** @return iterable<string, array{0: string, 1: array<string, mixed>, 2: string}> */
    private static function hugeInputs(): iterable
    {
        $big = self::LARGEST_STORED;
        yield 'huge: local part' => ['create', ['fields' => ['localpart' => str_repeat('a', $big)]], self::MAILBOX_NAME];
        yield 'huge: domain' => ['create', ['fields' => ['maildomain' => str_repeat('d', $big) . '.com']], self::DOMAIN];
        yield 'huge: password' => ['create', ['fields' => ['password' => str_repeat('Ab1!', $big / 4)]], self::PASSWORD];
        yield 'huge: last name' => ['create', ['fields' => ['surname' => str_repeat('Doe', $big / 3)]], self::NAME];
        yield 'huge: change password' => ['changepw', ['password' => str_repeat('Zz9#', $big / 4)], self::PASSWORD];
        yield 'huge: product quota' => ['create', ['settings' => ['quota_mb' => str_repeat('9', 250)]], '/quota/i'];
        yield 'huge: Access Hash key' => ['test_connection', ['server' => ['accesshash' => str_repeat('k', $big) . ' = 1']], self::ACCESS_HASH];
        yield 'huge: Access Hash timeout' => ['test_connection', ['server' => ['accesshash' => 'timeout = ' . str_repeat('7', $big)]], self::ACCESS_HASH];
        yield 'cart 1 MB: local part' => ['cart', ['localpart' => str_repeat('a', self::ONE_MB)], self::MAILBOX_NAME];
        yield 'cart 1 MB: password' => ['cart', ['password' => str_repeat('Ab1!', self::ONE_MB / 4)], self::PASSWORD];
        yield 'cart 1 MB: domain' => ['cart', ['maildomain' => str_repeat('d', self::ONE_MB)], self::DOMAIN];
        yield 'cart 1 MB: line breaks in the local part' => ['cart', ['localpart' => str_repeat("a\n", self::ONE_MB / 2)], self::MAILBOX_NAME];
    }

    /** @return iterable<string, array{0: string, 1: array<string, mixed>, 2: string}> */
    private static function selfService(): iterable
    {
        $alias = static fn (string $value): array => ['function' => 'AddAlias', 'post' => ['alias' => $value]];
        $forward = static fn (string $value): array => ['function' => 'SetForwarding', 'post' => ['forward_to' => $value, 'keep_copy' => '1']];
        $aliasCases = [
            'reserved' => ['postmaster', '/reserved/'], 'reserved upper-case' => ['ABUSE', '/reserved/'],
            'taken by another user' => ['{other}', '/is not available/'], 'taken by another user\'s alias' => ['taken', '/is not available/'],
            'other domain' => ['x@example.org', '/mailbox\'s domain/'], 'over the limit' => ['{fourth}', '/allows 3/'],
            'markup' => ['<b>x</b>', '/not a valid address/'], '1 MB' => [str_repeat('a', 1024 * 1024), '/too long/'],
            'CRLF' => ["a\r\nb", '/not a valid address/'], 'empty' => ['', '/No alias was given/'],
            'space' => ['john doe', '/not a valid address/'], 'overlong 65' => [str_repeat('y', 65), '/not a valid address/'],
            'emoji' => ['mail😀', '/not a valid address/'], 'NUL byte' => ["jo\0hn", '/not a valid address/'],
            'reserved RFC 2142 role' => ['security', '/reserved/'], 'reserved no-reply' => ['No-Reply', '/reserved/'],
        ];
        foreach ($aliasCases as $name => [$value, $fix]) {
            yield 'alias: ' . $name => ['selfservice', $alias($value), $fix];
        }
        $forwardCases = [
            'loop to itself' => ['SELF', '/loop/'], 'to own alias' => ['own@example.com', '/loop/'],
            'over the limit' => ['a@x.net b@x.net c@x.net', '/allows 2/'], 'invalid' => ['not-an-address', '/is not valid/'],
            'duplicates' => ['a@x.net, A@X.NET', '/listed twice/'], 'markup' => ['<script>@x.net', '/is not valid/'],
            '1 MB' => [str_repeat('a@x.net ', 131072), '/too long/'], 'CRLF inside an address' => ["a\r@x.net", '/is not valid/'],
            'to itself in upper case' => ['UPPER_SELF', '/loop/'], 'NUL byte' => ["a\0b@x.net", '/is not valid/'],
            'to localhost' => ['a@localhost', '/without a dot/'], 'to an IPv4 literal' => ['a@127.0.0.1', '/an IP address/'],
            'to an IP literal in brackets' => ['a@[10.0.0.1]', '/is not valid|an IP address/'], 'to a dotless name' => ['a@intranet', '/without a dot/'],
            'to .local' => ['a@printer.local', '/special-use/'], 'to .localhost' => ['a@app.localhost', '/special-use/'],
            'to .test' => ['a@shop.test', '/special-use/'], 'to .invalid' => ['a@x.invalid', '/special-use/'],
            'to a mailbox that forwards back' => ['{loopback}', '/already forwards here \(a loop\)/'],
        ];
        foreach ($forwardCases as $name => [$value, $fix]) {
            yield 'forwarding: ' . $name => ['selfservice', $forward($value), $fix];
        }
    }

    /** @return iterable<string, array{0: string, 1: array<string, mixed>, 2: string}> */
    private static function configurableOptions(): iterable
    {
        $cases = [
            'quota_mb negative' => [['quota_mb' => '-5'], '/"quota_mb" must be/'],
            'quota_mb not a number' => [['quota_mb' => 'big'], '/"quota_mb" must be/'],
            'quota_mb huge' => [['quota_mb' => '99999999999'], '/"quota_mb" must be/'],
            'extra_storage_gb negative' => [['extra_storage_gb' => -1], '/"extra_storage_gb" must be/'],
            'extra_storage_gb huge' => [['extra_storage_gb' => 1048577], '/"extra_storage_gb" may be at most/'],
            'max_aliases negative' => [['max_aliases' => -3], '/"max_aliases" must be/'],
            'max_aliases huge' => [['max_aliases' => 5000], '/"max_aliases" may be at most/'],
            'quota_mb infinite' => [['quota_mb' => 'infinite'], '/"quota_mb" must be/'],
            'max_aliases unlimited' => [['max_aliases' => 'unlimited'], '/"max_aliases" must be/'],
        ];
        foreach ($cases as $name => [$choices, $fix]) {
            yield 'option: ' . $name => ['options', ['choices' => $choices], $fix];
        }
    }

    /** @return iterable<string, array{0: string, 1: array<string, mixed>, 2: string}> */
    private static function localParts(): iterable
    {
        $values = [
            'space and bang' => 'john doe!', 'comma' => 'a,b', 'double quote' => 'jo"hn', 'at sign' => 'john@doe',
            'parentheses' => '(john)', 'semicolon' => 'john;drop', 'backslash' => 'jo\\hn', 'leading dot' => '.john',
            'trailing dot' => 'john.', 'two dots' => 'jo..hn', 'empty' => '', 'only spaces' => '   ',
            'tab' => "jo\thn", 'line break' => "jo\nhn", 'NUL byte' => "jo\0hn",
            'overlong 65' => str_repeat('a', 65), 'overlong 300' => str_repeat('b', 300),
            'reserved postmaster' => 'postmaster', 'reserved ABUSE upper-case' => 'ABUSE',
            'reserved mailer-daemon' => 'mailer-daemon', 'reserved admin (exists too)' => 'admin',
            'umlaut' => 'jürgen', 'cyrillic' => 'иван', 'CJK' => '用户', 'emoji' => 'mail😀',
            'zero-width space' => "jo\u{200B}hn", 'right-to-left override' => "jo\u{202E}nh",
            'fullwidth letters' => 'ｊｏｈｎ', 'HTML' => '<b>x</b>',
        ];
        foreach ($values as $label => $value) {
            yield 'local part: ' . $label => ['create', ['fields' => ['localpart' => $value]], self::MAILBOX_NAME];
        }
    }

    /** @return iterable<string, array{0: string, 1: array<string, mixed>, 2: string}> */
    private static function domains(): iterable
    {
        $values = [
            'unknown' => 'nowhere.invalid', 'not on the server' => 'example.net', 'empty' => '',
            'with a space' => 'example .com', 'markup' => '<script>.com', 'subdomain of a served one' => 'mail.example.com',
            'two domains on two lines' => "example.com\nexample.org", 'overlong label' => str_repeat('a', 64) . '.com',
            'non-ASCII (IDN)' => 'exämple.com',
        ];
        foreach ($values as $label => $value) {
            yield 'domain: ' . $label => ['create', ['fields' => ['maildomain' => $value]], self::DOMAIN];
        }
        yield 'domain: not sold by the product' => ['create', ['settings' => ['domains' => 'example.org'], 'fields' => ['maildomain' => 'example.com']], self::DOMAIN];
    }

    /** @return iterable<string, array{0: string, 1: array<string, mixed>, 2: string}> */
    private static function passwords(): iterable
    {
        $values = [
            'empty' => '', 'too short' => 'Ab1!x', 'one character class' => 'abcdefghijkl', 'two classes' => 'abcdefGHIJKL',
            'tab' => "Abc\tdef123!x", 'line break' => "Abcdef123!\nxyz", 'NUL byte' => "Abcdef\0" . '123!xy',
            'overlong 129' => str_repeat('Ab1!', 32) . 'x', 'overlong 4000' => str_repeat('Zz9#', 1000),
            'cyrillic' => 'Пароль-Секрет-42', 'japanese' => 'パスワード1234Ab', 'emoji' => 'Pass😀word12',
            'accented' => 'Pässwörd-2024',
        ];
        foreach ($values as $label => $value) {
            yield 'create password: ' . $label => ['create', ['fields' => ['password' => $value]], self::PASSWORD];
        }
        yield 'create password: contains the mailbox name' => ['create', ['fields' => ['localpart' => 'matrix.jdoe', 'password' => 'Matrix.JDoe!42']], self::PASSWORD];
        yield 'create password: contains the surname' => ['create', ['fields' => ['surname' => 'Kowalczyk', 'password' => 'Kowalczyk!2024x']], self::PASSWORD];
        yield 'create password: below the product minimum' => ['create', ['settings' => ['password_min_length' => '30'], 'fields' => ['password' => 'Abcdef12345!xyz']], self::PASSWORD];
        foreach (['empty' => '', 'too short' => 'Ab1!x', 'one character class' => 'abcdefghijkl', 'line break' => "Abcdef123!\nxyz",
            'overlong 129' => str_repeat('Ab1!', 32) . 'x', 'cyrillic' => 'Пароль-Секрет-42', 'emoji' => 'Pass😀word12'] as $label => $value) {
            yield 'change password: ' . $label => ['changepw', ['password' => $value], self::PASSWORD];
        }
    }

    /** @return iterable<string, array{0: string, 1: array<string, mixed>, 2: string}> */
    private static function keptMailDays(): iterable
    {
        foreach (['negative' => '-1', 'not a number' => 'thirty', 'decimal' => '1.5', 'above 3650' => '3651', 'huge' => '99999999999999999999'] as $label => $value) {
            yield 'kept mail days: ' . $label => ['terminate', ['settings' => ['terminate_mode' => 'keep', 'kept_mail_days' => $value]], '/Keep terminated mail \\(days\\)/'];
        }
    }

    /** @return iterable<string, array{0: string, 1: array<string, mixed>, 2: string}> */
    private static function quotas(): iterable
    {
        foreach (['negative' => '-5', 'not a number' => 'lots', 'decimal' => '1.5', 'exponent' => '1e9', 'hex' => '0x10', 'huge' => '99999999999999999999'] as $label => $value) {
            yield 'product quota: ' . $label => ['create', ['settings' => ['quota_mb' => $value]], '/Quota/i'];
            yield 'admin quota field: ' . $label => ['quota_preset', ['quota' => $value], '/Quota/i'];
        }
        yield 'product quota: above the maximum' => ['create', ['settings' => ['quota_mb' => '1073741825']], '/quota/i'];
        foreach (['negative' => '-1', 'not a number' => 'ten GB', 'huge' => '99999999999999999999'] as $label => $value) {
            yield 'upgrade to product quota: ' . $label => ['upgrade', ['settings' => ['quota_mb' => $value]], '/Quota/i'];
        }
    }

    /** @return iterable<string, array{0: string, 1: array<string, mixed>, 2: string}> */
    private static function names(): iterable
    {
        yield 'first name: script tag' => ['create', ['fields' => ['givenname' => '<script>alert(1)</script>']], self::NAME];
        yield 'last name: HTML' => ['create', ['fields' => ['surname' => '<img src=x onerror=alert(1)>']], self::NAME];
        yield 'first name: line break (header injection)' => ['create', ['fields' => ['givenname' => "Jane\r\nBcc: x@y.z"]], self::NAME];
        yield 'last name: overlong' => ['create', ['fields' => ['surname' => str_repeat('Doe', 30)]], self::NAME];
    }

    /** @return iterable<string, array{0: string, 1: array<string, mixed>, 2: string}> */
    private static function accessHashes(): iterable
    {
        $values = [
            'no equals sign' => 'tls_fingerprint', 'unknown key' => 'colour = blue', 'empty value' => 'timeout =',
            'timeout zero' => 'timeout = 0', 'timeout not a number' => 'timeout = soon', 'timeout too large' => 'timeout = 301',
            'missing key' => '= 30', 'forwarding changes per hour zero' => 'forwarding_changes_per_hour = 0',
            'forwarding changes per hour not a number' => 'forwarding_changes_per_hour = many',
            'forwarding changes per hour too large' => 'forwarding_changes_per_hour = 1001',
        ];
        foreach ($values as $label => $value) {
            yield 'access hash: ' . $label => ['create', ['server' => ['accesshash' => $value]], self::ACCESS_HASH];
            yield 'access hash (test connection): ' . $label => ['test_connection', ['server' => ['accesshash' => $value]], self::ACCESS_HASH];
        }
        yield 'access hash: fingerprint not hex' => ['create', ['server' => ['accesshash' => 'tls_fingerprint = not-a-fingerprint']], '/fingerprint/i'];
        yield 'access hash: fingerprint too short' => ['test_connection', ['server' => ['accesshash' => 'tls_fingerprint = AB:CD:EF']], '/fingerprint/i'];
    }

    /** @return iterable<string, array{0: string, 1: array<string, mixed>, 2: string}> */
    private static function credentials(): iterable
    {
        yield 'admin: wrong password' => ['create', ['server' => ['password' => 'Wrong-Admin-Pass-1']], self::CREDENTIALS];
        yield 'admin: unknown user' => ['create', ['server' => ['username' => 'nobody@example.com']], self::CREDENTIALS];
        yield 'admin: empty password' => ['test_connection', ['server' => ['password' => '']], self::CREDENTIALS];
        yield 'admin: user without domain' => ['test_connection', ['server' => ['username' => 'admin', 'password' => 'Other-Wrong-Pass-2']], self::CREDENTIALS];
        yield 'admin: no hostname' => ['create', ['server' => ['hostname' => '']], '/hostname|server/i'];
    }

    /** @return iterable<string, array{0: string, 1: array<string, mixed>, 2: string}> */
    private static function missingFields(): iterable
    {
        yield 'custom field missing: localpart' => ['missing_fields', ['drop' => ['localpart']], self::MAILBOX_NAME];
        yield 'custom field missing: maildomain' => ['missing_fields', ['drop' => ['maildomain']], self::DOMAIN];
        yield 'custom field missing: password' => ['missing_fields', ['drop' => ['password']], self::PASSWORD];
        yield 'custom fields missing: all' => ['missing_fields', ['drop' => ['localpart', 'maildomain', 'password', 'givenname', 'surname']], '/mailbox name|domain|password/i'];
    }

    /**
     * @dataProvider badInputs
     * @param array<string, mixed> $input
     */
    public function testBadInputIsRefusedWithWhatToFixAndChangesNothing(string $kind, array $input, string $fix): void
    {
        SecretLedger::remember((string) ($input['password'] ?? ''), (string) ($input['fields']['password'] ?? ''), (string) ($input['server']['password'] ?? ''));
        $case = $kind . ' ' . json_encode($input, JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
        $run = $this->arrange($kind, $input);
        $before = $this->emulatorSnapshot();

        $error = $run['action']();

        $this->assertClearError($error, $fix, $case);
        $this->assertEmulatorUnchanged($before, $case);
        $run['check']();
    }

    /**
     * Sets up the case; returns the action under test and the WHMCS-side check after it.
     *
     * @param array<string, mixed> $input
     * @return array{action: callable(): string, check: callable(): void}
     */
    private function arrange(string $kind, array $input): array
    {
        switch ($kind) {
            case 'create':
                // With a broken server the Domain dropdown stays empty, so the product lists its domain.
                $settings = ($input['settings'] ?? []) + (isset($input['server']) ? ['domains' => 'example.com'] : []);
                return $this->pendingCreate($this->addServer($input['server'] ?? []), $settings, $input['fields'] ?? []);
            case 'quota_preset':
                return $this->pendingCreate($this->addServer(), [], [], (string) $input['quota']);
            case 'missing_fields':
                return $this->pendingCreate($this->addServer(), [], [], null, $input['drop']);
            case 'changepw':
                return $this->passwordChange((string) $input['password']);
            case 'upgrade':
                return $this->upgrade($input['settings']);
            case 'terminate':
                return $this->terminate($input['settings']);
            case 'cart':
                return $this->cartCheck($input);
            case 'selfservice':
                return $this->selfServiceChange((string) $input['function'], (array) $input['post']);
            case 'options':
                return $this->createWithOptions((array) $input['choices']);
            case 'test_connection':
                $serverId = $this->addServer($input['server']);
                return [
                    'action' => function () use ($serverId): string {
                        $answer = $this->whmcs->testConnection($serverId);
                        $this->assertFalse($answer['success']);
                        return (string) $answer['error'];
                    },
                    'check' => static function (): void {
                    },
                ];
        }
        throw new \InvalidArgumentException('Unknown case kind ' . $kind);
    }

    /**
     * @param array<string, string> $settings
     * @param array<string, string> $fields
     * @param list<string>          $dropFields custom fields removed from the product
     * @return array{action: callable(): string, check: callable(): void}
     */
    private function pendingCreate(int $serverId, array $settings, array $fields, ?string $quotaPreset = null, array $dropFields = []): array
    {
        $productId = $this->addProduct($settings);
        $serviceId = $this->order($productId, $serverId, $fields);
        $customFields = $this->whmcs->productCustomFields($productId);
        if ($quotaPreset !== null) {
            Capsule::table('tblcustomfieldsvalues')->insert(['fieldid' => $customFields['quota']->id, 'relid' => $serviceId, 'value' => $quotaPreset]);
        }
        foreach ($dropFields as $key) {
            Capsule::table('tblcustomfieldsvalues')->where('fieldid', $customFields[$key]->id)->delete();
            Capsule::table('tblcustomfields')->where('id', $customFields[$key]->id)->delete();
        }
        return [
            'action' => fn (): string => $this->whmcs->moduleAction($serviceId, 'create'),
            'check' => function () use ($serviceId): void {
                $service = $this->whmcs->service($serviceId);
                $this->assertSame('Pending', $service->domainstatus);
                $this->assertSame('', (string) $service->username);
                $this->assertSame(1, $this->openQueueRows($serviceId), 'the failed create waits in the module queue');
            },
        ];
    }

    /** @return array{action: callable(): string, check: callable(): void} */
    private function passwordChange(string $newPassword): array
    {
        $serviceId = $this->createdService();
        $address = $this->address($serviceId);
        return [
            'action' => function () use ($serviceId, $newPassword): string {
                // the client sees WHMCS's generic text; the module's reason is what staff see
                $this->assertSame(Whmcs::CLIENT_PASSWORD_CHANGE_FAILED, $this->whmcs->changePassword($serviceId, $newPassword, true));
                return $this->whmcs->lastModuleError($serviceId);
            },
            'check' => function () use ($serviceId, $address): void {
                $this->assertSame(self::ALPHABET_PASSWORD, $this->whmcs->servicePassword($serviceId), 'the old password is written back');
                $this->assertTrue($this->emulator->webmailLogin($address, self::ALPHABET_PASSWORD), 'the old password still works');
            },
        ];
    }

    /**
     * @param array<string, string> $settings
     * @return array{action: callable(): string, check: callable(): void}
     */
    private function upgrade(array $settings): array
    {
        $serviceId = $this->createdService(['quota_mb' => '1024']);
        $newProduct = $this->addProduct($settings, 'Broken package');
        return [
            'action' => fn (): string => $this->whmcs->changePackage($serviceId, $newProduct),
            'check' => function () use ($serviceId): void {
                $this->assertSame(1024, $this->kerioQuotaMb($serviceId));
                $this->assertSame('Active', $this->whmcs->service($serviceId)->domainstatus);
            },
        ];
    }

    /**
     * Terminate of an Active mailbox whose product has $settings.
     *
     * @param array<string, string> $settings
     * @return array{action: callable(): string, check: callable(): void}
     */
    private function terminate(array $settings): array
    {
        $serviceId = $this->createdService($settings);
        return [
            'action' => fn (): string => $this->whmcs->moduleAction($serviceId, 'terminate'),
            'check' => function () use ($serviceId): void {
                $this->assertNotNull($this->emulator->user($this->address($serviceId)));
                $this->assertSame('Active', $this->whmcs->service($serviceId)->domainstatus);
                $this->assertNull(\WHMCS\Module\Server\kerioSingle\KeptMail::find($this->address($serviceId)));
            },
        ];
    }

    /**
     * The cart hook with the configure-product form of a kerioSingle product: good values except $input.
     *
     * @param array<string, string> $input
     * @return array{action: callable(): string, check: callable(): void}
     */
    private function cartCheck(array $input): array
    {
        $this->addServer();
        $productId = $this->addProduct(['domains' => 'example.com']);
        $values = $input + ['localpart' => 'jane.doe', 'maildomain' => 'example.com', 'password' => 'Very-Str0ng-Passw0rd!'];
        SecretLedger::remember($values['password']);
        $posted = [];
        foreach ($values as $key => $value) {
            $posted[CustomFields::findField($productId, $key)] = htmlspecialchars($value, ENT_QUOTES);
        }
        return [
            'action' => static function () use ($productId, $posted): string {
                $_SESSION['cart']['products'][0] = ['pid' => $productId];
                $errors = OrderForm::validate(['i' => 0, 'customfield' => $posted]);
                unset($_SESSION['cart']);
                return $errors === [] ? 'success' : implode(' ', $errors);
            },
            'check' => static function (): void {
            },
        ];
    }

    /**
     * @param array<string, string> $post
     * @return array{action: callable(): string, check: callable(): void}
     */
    private function selfServiceChange(string $function, array $post): array
    {
        $serverId = $this->addServer();
        $serviceId = $this->createdService(['max_aliases' => '3', 'forwarding' => true, 'max_forward_targets' => '2'], [], $serverId);
        $other = $this->createdService(['forwarding' => true], [], $serverId);
        $address = $this->address($serviceId);
        $local = (string) strstr($address, '@', true);
        $this->emulator->setAliases($address, [$local . '-own']);
        $this->emulator->setAliases($this->address($other), [$local . '-taken']);
        if (($post['forward_to'] ?? '') === '{loopback}') {
            $this->assertSame('success', $this->whmcs->clientCustomAction($other, 'SetForwarding', ['forward_to' => $address, 'keep_copy' => '1']));
        }
        if (($post['alias'] ?? '') === '{fourth}') {
            $this->emulator->setAliases($address, [$local . '-own', $local . '-2', $local . '-3']);
        }
        $replacements = ['SELF' => $address, 'UPPER_SELF' => strtoupper($address), 'own@' => $local . '-own@', '{other}' => (string) strstr($this->address($other), '@', true),
            '{fourth}' => $local . '-4', '{loopback}' => $this->address($other)];
        $post = array_map(static fn (string $value): string => $value === 'taken' ? $local . '-taken' : strtr($value, $replacements), $post);
        return [
            'action' => function () use ($serviceId, $function, $post): string {
                // WHMCS prints the text raw as HTML: no markup in it; the customer reads it decoded
                $html = $this->whmcs->clientCustomAction($serviceId, $function, $post);
                $this->assertStringNotContainsString('<', $html, 'markup in a custom function\'s error');
                return html_entity_decode($html, ENT_QUOTES, 'UTF-8');
            },
            'check' => function () use ($serviceId): void {
                $this->assertSame('Active', $this->whmcs->service($serviceId)->domainstatus);
            },
        ];
    }

    /**
     * @param array<string, string|int> $choices
     * @return array{action: callable(): string, check: callable(): void}
     */
    private function createWithOptions(array $choices): array
    {
        $run = $this->pendingCreate($this->addServer(), [], []);
        $serviceId = (int) Capsule::table('tblhosting')->orderBy('id', 'desc')->value('id');
        $productId = (int) $this->whmcs->service($serviceId)->packageid;
        $groupId = \WHMCS\Module\Server\kerioSingle\ConfigurableOptionsGroup::ensureFor($productId)['group_id'];
        foreach ($choices as $name => $value) {
            $optionId = Capsule::table('tblproductconfigoptions')->where('gid', $groupId)->where('optionname', 'like', $name . '|%')->value('id')
                ?? Capsule::table('tblproductconfigoptions')->insertGetId(['gid' => $groupId, 'optionname' => $name . '|' . $name, 'optiontype' => '4']);
            $byQuantity = is_int($value);
            $subId = Capsule::table('tblproductconfigoptionssub')->insertGetId(['configid' => $optionId, 'optionname' => $byQuantity ? 'unit' : $value . '|odd']);
            if (!$byQuantity) {
                Capsule::table('tblproductconfigoptions')->where('id', $optionId)->update(['optiontype' => '1']);
            }
            Capsule::table('tblhostingconfigoptions')->insert(['relid' => $serviceId, 'configid' => $optionId, 'optionid' => $subId, 'qty' => $byQuantity ? $value : 0]);
        }
        return $run;
    }

    private function assertClearError(string $error, string $fix, string $case): void
    {
        $this->assertNotSame('success', $error, $case . ': was accepted');
        $this->assertLessThanOrEqual(self::MAX_ERROR_BYTES, strlen($error), $case . ': the error is ' . strlen($error) . ' bytes long');
        $this->assertStringNotContainsString("\n", $error, $case . ': the error spans several lines');
        $this->assertGreaterThanOrEqual(20, strlen(trim($error)), $case . ': error too short: ' . $error);
        $this->assertMatchesRegularExpression($fix, $error, $case . ': the error does not say what to fix');
        $this->assertStringNotContainsString('Unexpected', $error, $case);
        foreach (SecretLedger::all() as $secret) {
            $this->assertStringNotContainsString($secret, $error, $case . ': the error shows a secret');
        }
        $this->assertStringNotContainsString(TestEnvironment::ADMIN_PASSWORD, $error, $case);
    }
}
