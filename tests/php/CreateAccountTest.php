<?php

namespace KerioSingle\Tests;

use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Database\Capsule;

/**
 * kerioSingle_CreateAccount through the WHMCS dispatcher: the mailbox on Kerio, the WHMCS records
 * it writes, every refusal, and retries. Runs with password-type order fields stored as posted;
 * CreateAccountEncryptedPasswordFieldTest runs every test again with them stored encrypted.
 */
class CreateAccountTest extends ModuleTestCase
{
    public function testCreateMakesTheMailboxAndMovesAddressDomainAndPasswordIntoTheService(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct(['quota_mb' => '2048']);
        $local = $this->uniqueLocalPart('Jane.Doe');
        $serviceId = $this->order($productId, $serverId, ['localpart' => $local]);

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));

        $service = $this->whmcs->service($serviceId);
        $address = strtolower($local) . '@example.com';
        $this->assertSame('Active', $service->domainstatus);
        $this->assertSame($address, $service->username);
        $this->assertSame('example.com', $service->domain);
        $this->assertSame(self::ALPHABET_PASSWORD, $this->whmcs->servicePassword($serviceId));
        $this->assertNotSame(self::ALPHABET_PASSWORD, $service->password, 'tblhosting.password must be encrypted');
        $this->assertSame('', $this->whmcs->customFieldValue($serviceId, 'password'), 'the plain order-form copy is blanked');
        $this->assertSame('2048', $this->whmcs->customFieldValue($serviceId, 'quota'));
        $user = $this->emulator->user($address);
        $this->assertNotNull($user, 'the mailbox exists on Kerio');
        $this->assertTrue($user['isEnabled']);
        $this->assertStringContainsString((string) $serviceId, (string) $user['description']);
        $this->assertSame('Jane Doe', $user['fullName']);
        $this->assertSame(0, $this->openQueueRows($serviceId));
    }

    public function testPasswordWithEveryAwkwardCharacterLogsIntoWebmail(): void
    {
        $serviceId = $this->createdService();

        $this->assertTrue($this->emulator->webmailLogin($this->address($serviceId), self::ALPHABET_PASSWORD));
        $this->assertFalse($this->emulator->webmailLogin($this->address($serviceId), 'Pa55 &amp; # wrong'));
    }

    public function testPasswordContainingAPipeIsNotCutLikeWhmcsCutsCustomFieldParams(): void
    {
        $password = 'Left|Right 42 pipe|word';
        $serviceId = $this->createdService([], ['password' => $password]);

        $this->assertTrue($this->emulator->webmailLogin($this->address($serviceId), $password));
        $this->assertSame($password, $this->whmcs->servicePassword($serviceId));
    }

    public function testAnAdminQuotaPresetOverridesTheProductQuota(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct(['quota_mb' => '1024']);
        $serviceId = $this->order($productId, $serverId);
        \WHMCS\Database\Capsule::table('tblcustomfieldsvalues')->insert([
            'fieldid' => $this->whmcs->productCustomFields($productId)['quota']->id, 'relid' => $serviceId, 'value' => '300',
        ]);

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));

        $this->assertSame('300', $this->whmcs->customFieldValue($serviceId, 'quota'));
        $this->assertSame(300, $this->kerioQuotaMb($serviceId));
    }

    /**
     * @return iterable<string, array{0: array<string, string>, 1: array<string, string>, 2: string}>
     */
    public static function refusals(): iterable
    {
        yield 'mailbox name with a space and !' => [[], ['localpart' => 'john doe!'], 'invalid_input'];
        yield 'empty mailbox name' => [[], ['localpart' => ''], 'invalid_input'];
        yield 'domain the product does not sell' => [['domains' => 'example.org'], ['maildomain' => 'example.com'], 'invalid_input'];
        yield 'domain not on the server' => [[], ['maildomain' => 'nowhere.invalid'], 'invalid_input'];
        yield 'password too short' => [[], ['password' => 'Ab1!'], 'invalid_input'];
        yield 'password below the product minimum' => [['password_min_length' => '30'], ['password' => 'Abcdef12345!x'], 'invalid_input'];
    }

    /**
     * @dataProvider refusals
     * @param array<string, string> $settings
     * @param array<string, string> $fields
     */
    public function testRefusedCreateReturnsTheReasonQueuesTheActionAndCreatesNothing(array $settings, array $fields, string $code): void
    {
        $serverId = $this->addServer();
        $serviceId = $this->order($this->addProduct($settings), $serverId, $fields);
        $usersBefore = count($this->emulator->state()['users']);

        $result = $this->whmcs->moduleAction($serviceId, 'create');

        $this->assertNotSame('success', $result);
        $this->assertNotSame('', trim($result));
        $this->assertSame($code, $this->lastErrorCode());
        $this->assertSame('Pending', $this->whmcs->service($serviceId)->domainstatus);
        $this->assertSame('', $this->whmcs->service($serviceId)->username);
        $this->assertSame(1, $this->openQueueRows($serviceId));
        $this->assertCount($usersBefore, $this->emulator->state()['users']);
    }

    public function testAnAddressOwnedByAnotherServiceIsRefused(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct();
        $local = $this->uniqueLocalPart('taken');
        $first = $this->order($productId, $serverId, ['localpart' => $local]);
        $this->assertSame('success', $this->whmcs->moduleAction($first, 'create'));
        $second = $this->order($productId, $serverId, ['localpart' => $local]);

        $result = $this->whmcs->moduleAction($second, 'create');

        $this->assertNotSame('success', $result);
        $this->assertSame('already_taken', $this->lastErrorCode());
        $this->assertSame('Pending', $this->whmcs->service($second)->domainstatus);
        $this->assertStringContainsString((string) $first, (string) $this->emulator->user($local . '@example.com')['description']);
    }

    public function testAnAddressHeldByAnotherAccountsAliasAGroupOrAListIsRefusedAndStaffAreToldByWhom(): void
    {
        $serverId = $this->addServer();
        $productId = $this->addProduct();
        $holderService = $this->order($productId, $serverId);
        $this->assertSame('success', $this->whmcs->moduleAction($holderService, 'create'));
        $holderAddress = $this->address($holderService);
        $holderLogin = (string) strstr($holderAddress, '@', true);
        $alias = $this->uniqueLocalPart('alias');
        $this->emulator->setAliases($holderAddress, [$alias]);
        $group = $this->uniqueLocalPart('group');
        $this->emulator->addAddressHolder('EntityGroup', 'example.com', $group);
        $listAddress = $this->uniqueLocalPart('list');
        $this->emulator->addAddressHolder('EntityMailingList', 'example.com', 'board-secret', [$listAddress]);

        foreach ([
            'another account\'s alias' => [$alias, 'the user "' . $holderLogin . '"'],
            'a group' => [$group, 'the group "' . $group . '"'],
            'a mailing list' => [$listAddress, 'the mailing list "board-secret"'],
        ] as $case => [$local, $holder]) {
            $serviceId = $this->order($productId, $serverId, ['localpart' => $local]);
            $usersBefore = $this->emulator->state()['users'];

            $result = $this->whmcs->moduleAction($serviceId, 'create');

            $this->assertStringStartsWith('The address ' . $local . '@example.com is not available. Choose another name.', $result, $case);
            $this->assertStringContainsString($holder, $result, $case . ': the admin text names the holder');
            $this->assertSame('already_taken', $this->lastErrorCode(), $case);
            $this->assertStringContainsString($holder, (string) Capsule::table('tblmodulelog')->orderBy('id', 'desc')->value('response'), $case);
            $this->assertSame('Pending', $this->whmcs->service($serviceId)->domainstatus, $case);
            $this->assertSame($usersBefore, $this->emulator->state()['users'], $case . ': nothing created');
        }
    }

    public function testARetriedCreateRecognisesItsOwnMailbox(): void
    {
        $serviceId = $this->createdService();
        $address = $this->address($serviceId);

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'), 'the retry uses the moved service password');

        $matches = array_filter($this->emulator->state()['users'], static fn (array $u): bool => $u['email'] === $address);
        $this->assertCount(1, $matches);
        $this->assertTrue($this->emulator->webmailLogin($address, self::ALPHABET_PASSWORD));
    }

    public function testACreateThatFailedOnAServerErrorSucceedsOnRetryAndClearsTheQueue(): void
    {
        $serverId = $this->addServer();
        $serviceId = $this->order($this->addProduct(), $serverId);
        $this->emulator->addFault(['method' => 'Users.create', 'kind' => 'http500', 'times' => 1]);

        $this->assertNotSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $this->assertSame(1, $this->openQueueRows($serviceId));

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $this->assertSame(0, $this->openQueueRows($serviceId));
        $this->assertSame('Active', $this->whmcs->service($serviceId)->domainstatus);
    }

    public function testCreateWithAWrongAdminPasswordFailsWithAuthFailed(): void
    {
        $serverId = $this->addServer(['password' => 'not-the-password']);
        // The product lists its domain: with a wrong password the Domain dropdown cannot be filled.
        $serviceId = $this->order($this->addProduct(['domains' => 'example.com']), $serverId);

        $this->assertNotSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $this->assertSame('auth_failed', $this->lastErrorCode());
    }

    public function testTheModuleLogSaysHowTheOrderPasswordWasStoredWithoutTheValue(): void
    {
        $this->createdService();

        $log = \WHMCS\Database\Capsule::table('tblmodulelog')->pluck('response')->implode("\n");
        $this->assertStringContainsString('The order form password field was stored', $log);
        $this->assertStringNotContainsString('Pa55', $log);
    }
}
