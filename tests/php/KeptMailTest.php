<?php

namespace KerioSingle\Tests;

use KerioSingle\Harness\Session;
use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Database\Capsule;
use WHMCS\Module\Server\kerioSingle\CustomFields;
use WHMCS\Module\Server\kerioSingle\KeptMail;
use WHMCS\Module\Server\kerioSingle\NamedLock;
use WHMCS\Module\Server\kerioSingle\OrderForm;
use WHMCS\Module\Server\kerioSingle\OrderRules;

/**
 * Issue 17 item 1, the journey: oldie is created for a first client's service with mail, terminated
 * with "keep"; another client's order of oldie is refused before anything is made on Kerio; the
 * same client gets the mail back; after the kept days the daily cron (or "Purge kept mail now")
 * deletes the kept store and a new customer gets an empty mailbox; a purge never deletes a mailbox
 * that exists.
 */
final class KeptMailTest extends ModuleTestCase
{
    private const MAIL_BYTES = 7 * 1024 * 1024;
    private const MAIL_ITEMS = 321;

    private int $serverId;
    private int $productId;
    private int $owner;
    private string $localpart;
    private string $address;

    protected function setUp(): void
    {
        parent::setUp();
        $this->serverId = $this->addServer();
        $this->productId = $this->addProduct(['terminate_mode' => 'keep', 'kept_mail_days' => '30']);
        $this->owner = $this->client('Olive');
        $this->localpart = $this->uniqueLocalPart('oldie');
        $this->address = $this->localpart . '@example.com';
    }

    protected function tearDown(): void
    {
        unset($_SESSION['cart'], $_SESSION['uid']);
        parent::tearDown();
    }

    public function testTerminateKeepRecordsTheAddressAsKept(): void
    {
        $first = $this->keptService();

        $row = KeptMail::find(strtoupper($this->address));
        $this->assertNotNull($row);
        $this->assertSame($this->address, $row->address, 'stored lower-case');
        $this->assertSame([$first, $this->owner, $this->serverId], [(int) $row->service_id, (int) $row->client_id, (int) $row->server_id]);
        $this->assertEqualsWithDelta(time(), strtotime((string) $row->kept_at), 60);
        $this->assertEqualsWithDelta(time() + 30 * 86400, strtotime((string) $row->purge_after), 60);
    }

    public function testAnotherClientIsRefusedBeforeAnythingIsMadeOnKerio(): void
    {
        $first = $this->keptService();
        $stranger = $this->orderFor($this->client('Stan'));
        $this->emulator->resetStats();

        $result = $this->whmcs->moduleAction($stranger, 'create');

        $this->assertStringContainsString('is not available: it carries the kept mail of terminated service #' . $first, $result);
        $this->assertStringContainsString('until ' . date('Y-m-d', time() + 30 * 86400), $result);
        $this->assertStringContainsString('"Purge kept mail now" on service #' . $first, $result);
        $this->assertSame('address_kept', $this->lastErrorCode());
        $this->assertSame(0, (int) $this->emulator->stats()['total'], 'no Kerio call at all');
        $this->assertNull($this->emulator->user($this->address));
        $this->assertCount(1, $this->keptStores());
        $this->assertSame('Pending', $this->whmcs->service($stranger)->domainstatus);
    }

    public function testTheSameClientGetsTheMailBackAndTheRecordIsCleared(): void
    {
        $first = $this->keptService();
        $again = $this->orderFor($this->owner);

        $this->assertSame('success', $this->whmcs->moduleAction($again, 'create'));

        $user = $this->emulator->user($this->address);
        $this->assertSame(self::MAIL_BYTES, self::bytesOf($user['consumedSize']));
        $this->assertSame(self::MAIL_ITEMS, (int) $user['consumedItems']);
        $this->assertNull(KeptMail::find($this->address));
        $this->assertStringContainsString('kept mail of terminated service #' . $first . ' at ' . $this->address . ' came back', $this->activityLog());
    }

    public function testTheDailyCronPurgesExpiredKeptMailAndANewCustomerGetsAnEmptyMailbox(): void
    {
        $this->productId = $this->addProduct(['terminate_mode' => 'keep', 'kept_mail_days' => '0']);
        $this->keptService();
        $notYet = $this->uniqueLocalPart('later') . '@example.com';
        $this->keptElsewhere($notYet);

        $this->whmcs->runDailyCron();

        $this->assertNull(KeptMail::find($this->address), 'the expired record is gone');
        $this->assertSame([], $this->keptStores(), 'the kept store is deleted on Kerio');
        $this->assertNull($this->emulator->user($this->address), 'no purge user left');
        $this->assertNotNull(KeptMail::find($notYet), 'a record whose days are not up stays');
        $newcomer = $this->orderFor($this->client('Nina'));
        $this->assertSame('success', $this->whmcs->moduleAction($newcomer, 'create'));
        $this->assertSame(0, self::bytesOf($this->emulator->user($this->address)['consumedSize']));
    }

    public function testPurgeKeptMailNowFreesTheAddressAtOnce(): void
    {
        $first = $this->keptService();

        $tab = (array) $this->whmcs->adminServicesTabFields($first);
        $this->assertStringContainsString('carries the kept mail of terminated service #' . $first, $tab['Kept mail'] ?? '(no row)');
        $this->assertStringContainsString('&quot;Purge kept mail now&quot;', $tab['Kept mail']);

        $this->assertSame('success', $this->whmcs->adminCustomButton($first, 'Purge kept mail now'));
        $this->assertArrayNotHasKey('Kept mail', (array) $this->whmcs->adminServicesTabFields($first));

        $this->assertNull(KeptMail::find($this->address));
        $this->assertSame([], $this->keptStores());
        $this->assertStringContainsString('purged; the address is free', $this->activityLog());
        $this->assertStringContainsString('No kept mail is recorded', $this->whmcs->adminCustomButton($first, 'Purge kept mail now'));
    }

    public function testAPurgeNeverDeletesAMailboxThatExists(): void
    {
        $this->productId = $this->addProduct(['terminate_mode' => 'keep', 'kept_mail_days' => '0']);
        $first = $this->keptService();
        $this->emulator->addAdmin($this->localpart, 'example.com', self::ALPHABET_PASSWORD, 'UserRole');
        $this->emulator->setUsage($this->address, 1024 * 1024, 3);

        $result = $this->whmcs->adminCustomButton($first, 'Purge kept mail now');
        $this->whmcs->runDailyCron();

        $this->assertStringContainsString('Nothing was deleted', $result);
        $this->assertSame('already_taken', $this->lastErrorCode());
        $this->assertSame(1024 * 1024, self::bytesOf($this->emulator->user($this->address)['consumedSize']));
        $this->assertNotNull(KeptMail::find($this->address), 'the record stays for a later purge');
        $this->assertStringContainsString('purging the kept mail of terminated service #' . $first . ' at ' . $this->address
            . ' failed (retried tomorrow): The kept mail of ' . $this->address . ' was not purged', $this->activityLog(), 'the cron says why');
    }

    public function testABadKeptDaysSettingRefusesTheTerminateAndChangesNothing(): void
    {
        foreach (['thirty', '3651', '-1'] as $bad) {
            $this->productId = $this->addProduct(['terminate_mode' => 'keep', 'kept_mail_days' => $bad]);
            $service = $this->orderFor($this->owner, $this->uniqueLocalPart('bad'));
            $this->assertSame('success', $this->whmcs->moduleAction($service, 'create'));

            $result = $this->whmcs->moduleAction($service, 'terminate');

            $this->assertStringContainsString('Keep terminated mail (days)', $result, $bad);
            $this->assertNotNull($this->emulator->user($this->address($service)), $bad);
            $this->assertSame('Active', $this->whmcs->service($service)->domainstatus);
        }
    }

    public function testTheOrderFormSaysNotAvailableToOthersAndRestoredToTheOwner(): void
    {
        $this->keptService();
        $product = OrderRules::product($this->productId);
        $inputs = ['domain' => 'example.com', 'localpart' => strtoupper($this->localpart)];

        foreach ([0, $this->client('Stan')] as $visitor) {
            Session::loginClient($visitor);
            $answer = OrderRules::forProduct($product, $inputs);
            $this->assertSame('not_available', $answer['address']);
            $this->assertSame('address_not_available', end($answer['localpart'])['id']);
            $this->assertSame(['This address is not available; choose another mailbox name.'], $this->validateCart());
        }
        Session::loginClient($this->owner);
        $answer = OrderRules::forProduct($product, $inputs);
        $this->assertSame('yours', $answer['address']);
        $this->assertNotContains('address_not_available', array_column($answer['localpart'], 'id'));
        $this->assertSame([], $this->validateCart());
        $this->assertSame('free', OrderRules::forProduct($product, ['localpart' => 'fresh.' . $this->localpart] + $inputs)['address']);
    }

    public function testTheCartsFinalAddressCheckWaitsForARunningCreateOfThatAddress(): void
    {
        $lock = NamedLock::address(strtoupper($this->address));
        $otherWorker = $this->anotherWorkerHolding($lock);
        Session::loginClient($this->owner);

        $this->assertSame(['Another change of this address or mailbox is still running; please try again in a moment.'], $this->validateCart());

        $otherWorker->query("SELECT RELEASE_LOCK('" . $lock . "')");
        $this->assertSame([], $this->validateCart(), 'once the create is done, the cart answers');
    }

    public function testAnotherClientCannotTakeAKeptAddressAsAnAlias(): void
    {
        $this->keptService();
        $product = $this->addProduct(['max_aliases' => '3']);
        $other = $this->whmcs->placeOrder($this->client('Stan'), $product, $this->serverId, [
            'localpart' => $this->uniqueLocalPart('stan'), 'maildomain' => 'example.com',
            'password' => self::ALPHABET_PASSWORD, 'givenname' => 'Stan', 'surname' => 'Doe',
        ]);
        $this->assertSame('success', $this->whmcs->moduleAction($other, 'create'));

        foreach ([$this->localpart, strtoupper($this->address)] as $alias) {
            $result = $this->whmcs->clientCustomAction($other, 'AddAlias', ['alias' => $alias]);
            $this->assertSame('This address is not available; choose another alias.', $result, $alias);
        }
        $this->assertSame([], (array) ($this->emulator->user($this->address($other))['emailAddresses'] ?? []));
        $this->assertSame('success', $this->whmcs->clientCustomAction($other, 'AddAlias', ['alias' => 'free.' . $this->localpart]));
    }

    public function testAVisitorWhoIsNotLoggedInNeverOwnsKeptMail(): void
    {
        $this->keptService();
        Capsule::table(KeptMail::TABLE)->where('address', $this->address)->update(['client_id' => 0]);

        $this->assertSame(KeptMail::NOT_AVAILABLE, KeptMail::availability($this->address, 0));
    }

    /** Every activity log entry, one a line. */
    private function activityLog(): string
    {
        return implode("\n", Capsule::table('tblactivitylog')->orderBy('id')->pluck('description')->all());
    }

    /** A client of the shop. */
    private function client(string $firstname): int
    {
        return $this->whmcs->addClient(['firstname' => $firstname, 'lastname' => 'Doe', 'email' => strtolower($firstname) . '@example.net']);
    }

    /** An order of the product for $clientId at $localpart (default: oldie). */
    private function orderFor(int $clientId, ?string $localpart = null): int
    {
        return $this->whmcs->placeOrder($clientId, $this->productId, $this->serverId, [
            'localpart' => $localpart ?? $this->localpart, 'maildomain' => 'example.com',
            'password' => self::ALPHABET_PASSWORD, 'givenname' => 'Olive', 'surname' => 'Doe',
        ]);
    }

    /** oldie created for the owner with 7 MB / 321 items, then terminated with keep: its service id. */
    private function keptService(): int
    {
        $service = $this->orderFor($this->owner);
        $this->assertSame('success', $this->whmcs->moduleAction($service, 'create'));
        $this->emulator->setUsage($this->address, self::MAIL_BYTES, self::MAIL_ITEMS);
        $this->assertSame('success', $this->whmcs->moduleAction($service, 'terminate'));
        $this->assertNull($this->emulator->user($this->address));
        return $service;
    }

    /** Another address kept by a product keeping mail 30 days. */
    private function keptElsewhere(string $address): void
    {
        $product = $this->addProduct(['terminate_mode' => 'keep', 'kept_mail_days' => '30']);
        $service = $this->whmcs->placeOrder($this->owner, $product, $this->serverId, [
            'localpart' => strstr($address, '@', true), 'maildomain' => 'example.com',
            'password' => self::ALPHABET_PASSWORD, 'givenname' => 'Olive', 'surname' => 'Doe',
        ]);
        $this->assertSame('success', $this->whmcs->moduleAction($service, 'create'));
        $this->assertSame('success', $this->whmcs->moduleAction($service, 'terminate'));
    }

    /** The emulator's kept stores of oldie. */
    private function keptStores(): array
    {
        return array_values(array_filter(
            (array) $this->emulator->state()['keptMailboxes'],
            fn (array $kept): bool => $kept['loginName'] === $this->localpart
        ));
    }

    /**
     * Errors of the cart hook for oldie with a good password.
     *
     * @return list<string>
     */
    private function validateCart(): array
    {
        $_SESSION['cart']['products'][0] = ['pid' => $this->productId];
        $posted = [];
        foreach ([CustomFields::LOCALPART => $this->localpart, CustomFields::MAILDOMAIN => 'example.com', CustomFields::PASSWORD => 'Very-Str0ng-Passw0rd!'] as $key => $value) {
            $posted[CustomFields::findField($this->productId, $key)] = htmlspecialchars($value, ENT_QUOTES);
        }
        return OrderForm::validate(['i' => 0, 'customfield' => $posted]);
    }
}
