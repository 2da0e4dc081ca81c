<?php

namespace KerioSingle\Tests;

use KerioSingle\Tests\Browser\WebServer;
use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Database\Capsule;
use WHMCS\Module\Server\kerioSingle\CustomFields;
use WHMCS\Module\Server\kerioSingle\DomainPolicyCache;
use WHMCS\Module\Server\kerioSingle\OrderForm;
use WHMCS\Module\Server\kerioSingle\OrderRules;
use WHMCS\Module\Server\kerioSingle\RateLimit;
use WHMCS\Module\Server\kerioSingle\SettingsError;

require_once dirname(__DIR__) . '/browser/WebServer.php';

/**
 * The order form's rules (rules.php, anonymous) and the cart hook: Kerio is read at most once per
 * domain per cache lifetime, whatever names visitors type; only the product's domains are answered;
 * each IP gets 30 requests a minute; a posted domain the product does not offer is refused at the
 * cart and at create; the cart checks the mailbox name as well as the password.
 */
final class OrderRulesTest extends ModuleTestCase
{
    private const GOOD_PASSWORD = 'Very-Str0ng-Passw0rd!';

    protected function tearDown(): void
    {
        unset($_SESSION['cart']);
        parent::tearDown();
    }

    public function testTheDomainPolicyIsReadOnceWhateverNamesVisitorsType(): void
    {
        $this->addServer();
        $product = OrderRules::product($this->addProduct());
        $this->emulator->resetStats();

        foreach (['anna', 'bert', 'carla.x', 'dora'] as $localpart) {
            $rules = OrderRules::forProduct($product, ['domain' => 'example.com', 'localpart' => $localpart, 'givenname' => 'Jane']);
            $this->assertContains($localpart, $this->personalFragments($rules));
            OrderRules::failures($product, ['domain' => 'example.com', 'localpart' => $localpart], self::GOOD_PASSWORD);
        }

        $this->assertSame(['Domains.get' => 1, 'Session.login' => 1, 'Session.logout' => 1], $this->kerioCalls());
    }

    public function testAnExpiredPolicyIsReadAgainAndTheRulesFollowIt(): void
    {
        $this->addServer();
        $domain = 'simple-' . bin2hex(random_bytes(3)) . '.test';
        $this->emulator->addDomain(['name' => $domain, 'passwordComplexityEnabled' => false, 'passwordMinimumLength' => 5]);
        $product = OrderRules::product($this->addProduct(['domains' => $domain]));

        $rules = OrderRules::forProduct($product, ['domain' => $domain, 'localpart' => 'jdoe']);
        $this->assertSame(['min_length', 'no_control_characters', 'password_max_length', 'password_ascii'], array_column($rules['password'], 'id'));
        $this->assertSame(5, $rules['password'][0]['value']);

        $this->emulator->resetStats();
        Capsule::table(DomainPolicyCache::TABLE)->update(['expires_at' => time() - 1]);
        OrderRules::forProduct($product, ['domain' => $domain]);
        OrderRules::forProduct($product, ['domain' => $domain, 'surname' => 'Doe']);
        $this->assertSame(['Domains.get' => 1, 'Session.login' => 1, 'Session.logout' => 1], $this->kerioCalls());
    }

    public function testADomainTheProductDoesNotOfferIsNeverAnswered(): void
    {
        $this->addServer();
        $other = 'example.org';
        $product = OrderRules::product($this->addProduct(['domains' => 'example.com']));
        $this->emulator->resetStats();

        try {
            OrderRules::forProduct($product, ['domain' => $other]);
            $this->fail('the rules of a domain the product does not sell were answered');
        } catch (SettingsError $refused) {
            $this->assertSame('Choose one of the domains this product offers: example.com.', $refused->getMessage());
        }
        $this->assertSame([], $this->kerioCalls());
    }

    public function testTheRulesEndpointLimitsEachAddressAndNeverShowsAPath(): void
    {
        $this->addServer();
        $productId = $this->addProduct(['domains' => 'example.com']);
        $server = WebServer::start(ROOTDIR . '/.state/php-tests/rules-endpoint.log');
        $this->awaitFreshMinute();
        try {
            $url = $server->url() . 'modules/servers/kerioSingle/rules.php?pid=' . $productId . '&domain=example.com&localpart=';
            for ($request = 1; $request <= RateLimit::PER_MINUTE - 2; $request++) {
                $this->assertSame(200, $this->get($url . 'n' . $request)['status'], 'request ' . $request);
            }
            $notOffered = $this->get($server->url() . 'modules/servers/kerioSingle/rules.php?pid=' . $productId . '&domain=elsewhere.test');
            $this->assertSame(422, $notOffered['status']);
            $this->assertStringContainsString('example.com', $notOffered['body']);
            $withoutEngine = $this->serverWithoutEngine();
            $broken = $this->get(str_replace($server->url(), $withoutEngine->url(), $url) . 'x');
            $withoutEngine->stop();
            $this->assertSame(503, $broken['status']);
            $this->assertStringNotContainsString('/', json_decode($broken['body'], true)['error']);

            $limited = $this->get($url . 'y');
            $this->assertSame(429, $limited['status']);
            $this->assertStringContainsString('at most 30 a minute', $limited['body']);
            $this->assertMatchesRegularExpression('/^Retry-After: [1-9][0-9]?\r?$/mi', $limited['headers']);
        } finally {
            $server->stop();
        }
    }

    public function testTheLimitCountsPerAddressAndPerMinute(): void
    {
        $this->awaitFreshMinute();
        for ($request = 1; $request <= RateLimit::PER_MINUTE; $request++) {
            $this->assertTrue(RateLimit::allow('198.51.100.7'), 'request ' . $request);
        }
        $this->assertFalse(RateLimit::allow('198.51.100.7'));
        $this->assertTrue(RateLimit::allow('2001:db8::7'));
        Capsule::table(RateLimit::TABLE)->update(['minute' => intdiv(time(), 60) - 1]);
        $this->assertTrue(RateLimit::allow('198.51.100.7'));
    }

    public function testAnIpv6Slash64CountsAsOneClientAndIpv4AddressesEachCount(): void
    {
        $this->awaitFreshMinute();
        for ($request = 1; $request <= RateLimit::PER_MINUTE; $request++) {
            $rotated = sprintf('2001:db8:aa:bb:%x:%x::%x', $request, $request * 7, $request);
            $this->assertTrue(RateLimit::allow($rotated), 'request ' . $request);
        }
        $this->assertFalse(RateLimit::allow('2001:DB8:AA:BB:FFFF::1'), 'a new address in the same /64 is the same client');
        $this->assertTrue(RateLimit::allow('2001:db8:aa:bc::1'), 'the next /64 is another client');
        for ($request = 1; $request <= RateLimit::PER_MINUTE; $request++) {
            $this->assertTrue(RateLimit::allow('198.51.100.7'), 'request ' . $request);
        }
        $this->assertFalse(RateLimit::allow('::ffff:198.51.100.7'), 'an IPv4-mapped address is that IPv4 address');
        $this->assertTrue(RateLimit::allow('198.51.100.8'), 'each IPv4 address counts on its own');
        $this->assertSame('2001:db8:aa:bb::/64', RateLimit::clientOf('2001:db8:aa:bb:1:2:3:4'));
        $this->assertSame('198.51.100.7', RateLimit::clientOf('::ffff:198.51.100.7'));
    }

    public function testHiddenAndRetiredProductsAreNotAnswered(): void
    {
        $this->addServer();
        $hidden = $this->addProduct(['domains' => 'example.com']);
        $retired = $this->addProduct(['domains' => 'example.com']);
        $shown = $this->addProduct(['domains' => 'example.com']);
        Capsule::table('tblproducts')->where('id', $hidden)->update(['hidden' => '1']);
        Capsule::table('tblproducts')->where('id', $retired)->update(['retired' => 1]);
        $server = WebServer::start(ROOTDIR . '/.state/php-tests/rules-endpoint.log');
        $this->awaitFreshMinute();
        try {
            $rules = static fn (int $pid): string => $server->url() . 'modules/servers/kerioSingle/rules.php?pid=' . $pid . '&domain=example.com';
            $this->assertSame(200, $this->get($rules($shown))['status']);
            foreach (['hidden' => $hidden, 'retired' => $retired] as $kind => $pid) {
                $answer = $this->get($rules($pid));
                $this->assertSame(404, $answer['status'], $kind);
                $this->assertStringNotContainsString('password', $answer['body'], $kind);
            }
        } finally {
            $server->stop();
        }
        $this->assertNotNull(OrderRules::product($hidden), 'the cart still checks a hidden product ordered by its direct link');
    }

    public function testTheCartChecksTheMailboxNameTheDomainAndThePassword(): void
    {
        $this->addServer();
        $productId = $this->addProduct();
        $outside = $this->dropdownWithoutExampleOrg($productId);

        $this->assertSame([], $this->validateCart($productId, 'jane.doe', 'example.com', self::GOOD_PASSWORD));
        $this->assertSame(
            ['The mailbox name does not meet these rules: No dot at the start or the end, and no two dots in a row.'],
            $this->validateCart($productId, '.jane', 'example.com', self::GOOD_PASSWORD)
        );
        $this->assertSame(
            ['The mailbox name does not meet these rules: This mailbox name is reserved; choose another one.'],
            $this->validateCart($productId, 'Postmaster', 'example.com', self::GOOD_PASSWORD)
        );
        $errors = $this->validateCart($productId, 'jane', 'example.com', 'short');
        $this->assertCount(1, $errors);
        $this->assertStringStartsWith('The password does not meet these rules: At least 8 characters', $errors[0]);
        $this->assertSame(
            ['This domain cannot be ordered with this product; choose one of: example.com.'],
            $this->validateCart($productId, 'jane', $outside, self::GOOD_PASSWORD)
        );
    }

    public function testCreateRefusesADomainTheDropdownDidNotOffer(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct();
        $outside = $this->dropdownWithoutExampleOrg($productId);
        $serviceId = $this->order($productId, $serverId, ['maildomain' => $outside, 'localpart' => 'sneaky']);
        $before = $this->emulator->state();

        $created = $this->whmcs->moduleAction($serviceId, 'create');

        $this->assertStringContainsString($outside, $created);
        $this->assertSame('Pending', $this->whmcs->service($serviceId)->domainstatus);
        $this->assertSame($before, $this->emulator->state());
    }

    /**
     * Leaves example.com as the only option of the product's Domain dropdown, as when a domain was
     * added on Kerio after the product was saved; returns the domain left out (on Kerio, not offered).
     */
    private function dropdownWithoutExampleOrg(int $productId): string
    {
        $this->assertSame(['example.com', 'example.org'], array_slice(CustomFields::domainOptions($productId), 0, 2));
        $fieldId = CustomFields::findField($productId, CustomFields::MAILDOMAIN);
        Capsule::table('tblcustomfields')->where('id', $fieldId)->update(['fieldoptions' => 'example.com']);
        return 'example.org';
    }

    /** Waits for the next clock minute when this one is nearly over, so that all requests count in one window. */
    private function awaitFreshMinute(): void
    {
        $secondsLeft = RateLimit::secondsUntilNextWindow();
        if ($secondsLeft < 20) {
            sleep($secondsLeft);
        }
    }

    /** A second web harness whose engine path is wrong (as on a broken upload). */
    private function serverWithoutEngine(): WebServer
    {
        $engine = (string) getenv('KERIO_SINGLE_BIN');
        putenv('KERIO_SINGLE_BIN=/nonexistent/secret-folder/kerio-single');
        try {
            return WebServer::start(ROOTDIR . '/.state/php-tests/rules-endpoint.log');
        } finally {
            putenv($engine === '' ? 'KERIO_SINGLE_BIN' : 'KERIO_SINGLE_BIN=' . $engine);
        }
    }

    /**
     * Errors of the cart hook for a configure-product form posted as WHMCS would (HTML-encoded).
     *
     * @return list<string>
     */
    private function validateCart(int $productId, string $localpart, string $domain, string $password): array
    {
        $_SESSION['cart']['products'][0] = ['pid' => $productId];
        $posted = [];
        foreach ([CustomFields::LOCALPART => $localpart, CustomFields::MAILDOMAIN => $domain, CustomFields::PASSWORD => $password] as $key => $value) {
            $posted[CustomFields::findField($productId, $key)] = htmlspecialchars($value, ENT_QUOTES);
        }
        return OrderForm::validate(['i' => 0, 'customfield' => $posted]);
    }

    /**
     * The `no_personal_data` fragments of a rules answer.
     *
     * @param array<string, mixed> $rules
     * @return list<string>
     */
    private function personalFragments(array $rules): array
    {
        foreach ($rules['password'] as $rule) {
            if ($rule['id'] === 'no_personal_data') {
                return $rule['values'];
            }
        }
        return [];
    }

    /**
     * Kerio API calls per method since the last resetStats(), sorted by method.
     *
     * @return array<string, int>
     */
    private function kerioCalls(): array
    {
        $methods = (array) $this->emulator->stats()['methods'];
        ksort($methods);
        return array_filter($methods);
    }

    /**
     * @return array{status: int, headers: string, body: string}
     */
    private function get(string $url): array
    {
        $curl = curl_init($url);
        curl_setopt_array($curl, [CURLOPT_RETURNTRANSFER => true, CURLOPT_HEADER => true, CURLOPT_TIMEOUT => 30]);
        $raw = (string) curl_exec($curl);
        $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        $headerSize = (int) curl_getinfo($curl, CURLINFO_HEADER_SIZE);
        curl_close($curl);
        return ['status' => $status, 'headers' => substr($raw, 0, $headerSize), 'body' => substr($raw, $headerSize)];
    }
}
