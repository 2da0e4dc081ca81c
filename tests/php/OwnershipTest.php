<?php

namespace KerioSingle\Tests;

use KerioSingle\Harness\ActivityLog;
use KerioSingle\Harness\Cron;
use KerioSingle\Harness\Whmcs;
use KerioSingle\Tests\Support\ModuleTestCase;
use KerioSingle\SecretScan\SecretLedger;
use WHMCS\Database\Capsule;
use WHMCS\Module\Server\kerioSingle\CustomFields;
use WHMCS\Module\Server\kerioSingle\Installation;

/**
 * Issue 9's ownership rule seen from WHMCS: a service acts only on its own mailbox (a plain user
 * carrying its mark, in the product's domains), whatever an admin typed into the service's username
 * or Kerio user ID. Every refusal leaves Kerio (/_emulator/state) and the service unchanged; a
 * mailbox made by hand works once an admin adopted it.
 */
final class OwnershipTest extends ModuleTestCase
{
    private const HAND_MADE_PASSWORD = 'Hand-Made-Pass-9!';

    public function testAnAdminAccountIsRefusedByAddress(): void
    {
        $serviceId = $this->createdService();
        $admin = $this->handMadeAccount('FullAdmin');
        $this->pointServiceAt($serviceId, $admin, '');

        $this->assertEveryActionRefused($serviceId, 'admin_role', $admin);
    }

    public function testAnAdminAccountIsRefusedByItsId(): void
    {
        $serviceId = $this->createdService();
        $admin = $this->handMadeAccount('AccountAdmin');
        $this->pointServiceAt($serviceId, $this->address($serviceId), (string) $this->emulator->user($admin)['id']);

        $this->assertEveryActionRefused($serviceId, 'admin_role', $admin);
    }

    public function testAnUnmarkedMailboxIsRefusedByAddressWithTheAdoptHint(): void
    {
        $serviceId = $this->createdService();
        $boss = $this->handMadeAccount('UserRole');
        $this->pointServiceAt($serviceId, $boss, '');

        $this->assertEveryActionRefused($serviceId, 'no_mark', $boss);
        $this->assertStringContainsString('Adopt existing mailbox', $this->whmcs->moduleAction($serviceId, 'terminate'));
        $tab = $this->whmcs->adminServicesTabFields($serviceId);
        $this->assertStringContainsString('press &quot;Adopt existing mailbox&quot;', $tab['Marked for this service']);
    }

    public function testAnotherServicesMailboxIsRefusedByACopiedId(): void
    {
        $serverId = $this->addServer();
        $owner = $this->createdService([], [], $serverId);
        $intruder = $this->createdService([], [], $serverId);
        $this->pointServiceAt($intruder, $this->address($intruder), $this->whmcs->customFieldValue($owner, CustomFields::KERIO_ID));

        $this->assertEveryActionRefused($intruder, 'other_service', $this->address($owner));
        $this->assertSame('success', $this->whmcs->moduleAction($owner, 'suspend'), 'the owner still acts on its mailbox');
    }

    public function testAMailboxOutsideTheProductsDomainsIsRefused(): void
    {
        $serviceId = $this->createdService(['domains' => 'example.com']);
        // The admin narrows the product to another domain: the existing mailbox is no longer sold by it.
        $productId = (int) $this->whmcs->service($serviceId)->packageid;
        Capsule::table('tblproducts')->where('id', $productId)->update(['configoption1' => 'example.org']);

        $this->assertEveryActionRefused($serviceId, 'outside_domains', $this->address($serviceId), ['domains' => 'example.org']);
    }

    public function testAHandMadeMailboxWorksAfterItWasAdopted(): void
    {
        $serverId = $this->addServer();
        $boss = $this->handMadeAccount('UserRole');
        $this->assertContains($boss, array_column((array) $this->whmcs->listAccounts($serverId)['accounts'], 'username'), 'Server Sync lists unmarked mailboxes');
        $serviceId = $this->createdService([], [], $serverId);
        $this->pointServiceAt($serviceId, $boss, '');
        $kerioId = (string) $this->emulator->user($boss)['id'];

        $this->assertSame('success', $this->whmcs->adminCustomButton($serviceId, 'Adopt existing mailbox'));

        $this->assertStringContainsString('WHMCS service #' . $serviceId, (string) $this->emulator->user($boss)['description']);
        $this->assertSame($kerioId, $this->whmcs->customFieldValue($serviceId, CustomFields::KERIO_ID));
        $this->assertStringContainsString('Kerio mailbox ' . $boss . ' marked as this service\'s mailbox', implode("\n", ActivityLog::lines()));
        $this->assertSame('Yes (WHMCS service #' . $serviceId . ')', $this->whmcs->adminServicesTabFields($serviceId)['Marked for this service']);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));
        $this->assertFalse($this->emulator->user($boss)['isEnabled']);

        $before = $this->emulator->state();
        $this->assertSame('success', $this->whmcs->adminCustomButton($serviceId, 'Adopt existing mailbox'), 'adopting again is harmless');
        $this->assertSame($before, $this->emulator->state());
        $this->assertStringContainsString('already was this service\'s mailbox; nothing changed', implode("\n", ActivityLog::lines()));
    }

    public function testAdoptRefusesAdminsAndAnotherServicesMailbox(): void
    {
        $serverId = $this->addServer();
        $owner = $this->createdService([], [], $serverId);
        $serviceId = $this->createdService([], [], $serverId);
        foreach (['admin_role' => $this->handMadeAccount('FullAdmin'), 'other_service' => $this->address($owner)] as $reason => $account) {
            $this->pointServiceAt($serviceId, $account, '');
            $before = [$this->emulator->state(), $this->serviceRow($serviceId)];

            $result = $this->whmcs->adminCustomButton($serviceId, 'Adopt existing mailbox');

            $this->assertStringContainsString($account, $result, $reason);
            $this->assertSame('not_owned', $this->lastErrorCode(), $reason);
            $this->assertSame($before, [$this->emulator->state(), $this->serviceRow($serviceId)], $reason);
        }
    }

    /**
     * Issue 17.2: a plain user made a Kerio administrator through a group is refused like any admin,
     * marked for the service or not: every action, Adopt, and the client's Change Password.
     */
    public function testAnAdminThroughAGroupIsRefusedEvenWhenMarked(): void
    {
        $serviceId = $this->createdService();
        $loose = $this->handMadeAccount('UserRole', ['groupRole' => 'FullAdmin']);
        $this->pointServiceAt($serviceId, $loose, '');
        $this->assertEveryActionRefused($serviceId, 'admin_role', $loose);
        $before = [$this->emulator->state(), $this->serviceRow($serviceId)];
        $this->assertStringContainsString($loose, $this->whmcs->adminCustomButton($serviceId, 'Adopt existing mailbox'));
        $this->assertSame('not_owned', $this->lastErrorCode());
        $this->assertStringEndsWith('[reason: admin_role]', $this->lastFailure());
        $this->assertSame($before, [$this->emulator->state(), $this->serviceRow($serviceId)], 'adopt changed something');

        $marked = $this->handMadeAccount('UserRole', ['groupRole' => 'AccountAdmin', 'description' => 'WHMCS service #' . $serviceId]);
        $this->pointServiceAt($serviceId, $marked, (string) $this->emulator->user($marked)['id']);
        $before = [$this->emulator->state(), $this->serviceRow($serviceId)];
        $this->clientPasswordChangeError($serviceId, 'Taken-Over-Passw0rd!');
        $error = $this->lastFailure();
        $this->assertStringContainsString($marked, $error);
        $this->assertStringContainsString('group role', $error);
        $this->assertStringContainsString('AccountAdmin', $error);
        $this->assertNotSame('success', $this->whmcs->adminCustomButton($serviceId, 'Adopt existing mailbox'));
        $this->assertSame('not_owned', $this->lastErrorCode(), 'adopt of a marked group admin');
        $this->assertSame($before, [$this->emulator->state(), $this->serviceRow($serviceId)], 'password change or adopt changed something');
        $this->assertFalse($this->emulator->webmailLogin($marked, 'Taken-Over-Passw0rd!'));
    }

    /**
     * Issue 17.9: re-pointing a service's username at an admin and pressing Refresh usage is refused
     * and reads nothing; the daily usage update writes no figure of an account the service does not own.
     */
    public function testRefreshUsageAndTheDailyUpdateNeverReportAnotherAccountsFigures(): void
    {
        $serverId = $this->addServer();
        $serviceId = $this->createdService([], [], $serverId);
        $this->emulator->setUsage($this->address($serviceId), 5 * 1024 * 1024);
        $admin = $this->handMadeAccount('FullAdmin');
        $this->emulator->setUsage($admin, 777 * 1024 * 1024);
        $this->pointServiceAt($serviceId, $admin, '');
        $before = [$this->emulator->state(), $this->serviceRow($serviceId)];

        $result = $this->whmcs->adminCustomButton($serviceId, 'Refresh usage');

        $this->assertStringContainsString($admin, $result);
        $this->assertSame('not_owned', $this->lastErrorCode());
        $this->assertStringEndsWith('[reason: admin_role]', $this->lastFailure());
        $this->assertSame($before, [$this->emulator->state(), $this->serviceRow($serviceId)], 'Refresh usage wrote something');

        Cron::updateServerUsage();
        $this->assertSame(0, (int) $this->whmcs->service($serviceId)->diskusage, 'the admin\'s 777 MB never land on the service');
        $own = $this->createdService([], [], $serverId);
        $this->emulator->setUsage($this->address($own), 6 * 1024 * 1024);
        Cron::updateServerUsage();
        $this->assertSame(6, (int) $this->whmcs->service($own)->diskusage, 'the service\'s own figures still arrive');
        $this->assertSame(0, (int) $this->whmcs->service($serviceId)->diskusage);
    }

    /**
     * Issue 17.10: two WHMCS installations on one Kerio server, each with a service #N. Installation
     * B (here: the same database with another installation id, which is all the engine sees of an
     * installation) retrying a create of A's address never takes A's mailbox, and no action of B's
     * service touches it; A still acts on it.
     */
    public function testAnotherInstallationsRetriedCreateNeverTakesTheMailbox(): void
    {
        $serverId = $this->addServer();
        $serviceId = $this->createdService([], [], $serverId);
        $address = $this->address($serviceId);
        $installationA = Installation::id();
        $this->assertStringContainsString('(installation ' . $installationA . ')', (string) $this->emulator->user($address)['description']);
        $kerioBefore = $this->emulator->state();

        $this->setInstallation(bin2hex(random_bytes(16)));
        Capsule::table('tblhosting')->where('id', $serviceId)->update(['username' => '', 'domainstatus' => 'Pending']);
        $productId = (int) $this->whmcs->service($serviceId)->packageid;
        CustomFields::setValue($productId, $serviceId, CustomFields::KERIO_ID, '');
        CustomFields::setValue($productId, $serviceId, CustomFields::PASSWORD, 'Other-Install-Passw0rd!');
        SecretLedger::remember('Other-Install-Passw0rd!');

        $this->assertNotSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $this->assertSame('already_taken', $this->lastErrorCode());
        $this->assertSame($kerioBefore, $this->emulator->state(), 'the other installation changed the mailbox');
        $this->pointServiceAt($serviceId, $address, '');
        $this->assertNotSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));
        $this->assertStringEndsWith('[reason: other_installation]', $this->lastFailure());
        $this->assertSame($kerioBefore, $this->emulator->state());

        $this->setInstallation($installationA);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));
        $this->assertFalse($this->emulator->user($address)['isEnabled']);
    }

    /** A mailbox marked before installations were recorded is accepted and its mark completed by the next action. */
    public function testAMarkWithoutInstallationIsCompletedByTheNextAction(): void
    {
        $serviceId = $this->createdService();
        $old = $this->handMadeAccount('UserRole', ['description' => 'Sales; WHMCS service #' . $serviceId]);
        $this->pointServiceAt($serviceId, $old, '');

        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));

        $this->assertSame('Sales; WHMCS service #' . $serviceId . ' (installation ' . Installation::id() . ')', (string) $this->emulator->user($old)['description']);
        $this->assertFalse($this->emulator->user($old)['isEnabled']);
    }

    /** An installation id edited by hand into something else stops every action with a clear text, before Kerio is asked. */
    public function testAnEditedInstallationIdIsRefusedClearly(): void
    {
        $serviceId = $this->createdService();
        $before = $this->emulator->state();
        $this->setInstallation('not an id!');

        $result = $this->whmcs->moduleAction($serviceId, 'suspend');

        $this->assertStringContainsString('kerioSingleInstallationId', $result);
        $this->assertStringContainsString('"not an id!"', $result);
        $this->assertStringContainsString('Restore the value it had', $result);
        $this->assertSame($before, $this->emulator->state());
    }

    /** What the module reads as this WHMCS installation's id (tblconfiguration). */
    private function setInstallation(string $id): void
    {
        Capsule::table('tblconfiguration')->where('setting', Installation::SETTING)->update(['value' => $id]);
    }

    /**
     * A refused client-area password change: the client sees WHMCS's generic text (harness behaviour
     * 10.7); the module's own error, which names the account, is what WHMCS keeps for staff.
     */
    private function clientPasswordChangeError(int $serviceId, string $password): string
    {
        $shown = $this->whmcs->changePassword($serviceId, $password, true);
        $this->assertSame(Whmcs::CLIENT_PASSWORD_CHANGE_FAILED, $shown, 'changepw: the client sees WHMCS\'s text');
        return $this->whmcs->lastModuleError($serviceId);
    }

    /**
     * Suspend, unsuspend, change password (client area), terminate, change package and the admin
     * tab's live data are all refused with `not_owned` for $reason, and nothing changes on Kerio or in WHMCS.
     *
     * @param array<string, string> $upgradeSettings further settings of the product upgraded to
     */
    private function assertEveryActionRefused(int $serviceId, string $reason, string $account, array $upgradeSettings = []): void
    {
        $bigger = $this->addProduct(['quota_mb' => '4096'] + $upgradeSettings);
        $before = [$this->emulator->state(), $this->serviceRow($serviceId)];
        $attempts = [
            'suspend' => fn (): string => $this->whmcs->moduleAction($serviceId, 'suspend'),
            'unsuspend' => fn (): string => $this->whmcs->moduleAction($serviceId, 'unsuspend'),
            'changepw' => fn (): string => $this->clientPasswordChangeError($serviceId, 'Taken-Over-Passw0rd!'),
            'terminate' => fn (): string => $this->whmcs->moduleAction($serviceId, 'terminate'),
        ];
        SecretLedger::remember('Taken-Over-Passw0rd!');
        foreach ($attempts as $action => $attempt) {
            $result = $attempt();
            $this->assertStringContainsString($account, $result, $action);
            $this->assertSame('not_owned', $this->lastErrorCode(), $action);
            $this->assertStringEndsWith('[reason: ' . $reason . ']', $this->lastFailure(), $action);
            $this->assertSame($before, [$this->emulator->state(), $this->serviceRow($serviceId)], $action . ' changed something');
        }
        $packageId = (int) $this->whmcs->service($serviceId)->packageid;
        $this->assertNotSame('success', $this->whmcs->changePackage($serviceId, $bigger));
        $this->assertSame('not_owned', $this->lastErrorCode(), 'upgrade');
        Capsule::table('tblhosting')->where('id', $serviceId)->update(['packageid' => $packageId]);
        $this->assertSame($before, [$this->emulator->state(), $this->serviceRow($serviceId)], 'upgrade changed something');
        $this->assertStringContainsString('Not available', $this->whmcs->adminServicesTabFields($serviceId)['Kerio mailbox']);
        $this->assertSame($before[0], $this->emulator->state(), 'reading the admin tab changed Kerio');
    }

    /**
     * A Kerio account made by hand in Kerio Administration (no WHMCS mark unless $more gives a
     * description) with the given role; its address.
     *
     * @param array<string, string> $more e.g. ['groupRole' => 'FullAdmin']
     */
    private function handMadeAccount(string $role, array $more = []): string
    {
        $login = 'hand.' . strtolower($role) . '.' . bin2hex(random_bytes(3));
        SecretLedger::remember(self::HAND_MADE_PASSWORD);
        $this->emulator->addAdmin($login, 'example.com', self::HAND_MADE_PASSWORD, $role, $more);
        return $login . '@example.com';
    }

    /** What an admin does on the service page: edits the username and the admin-only Kerio user ID field. */
    private function pointServiceAt(int $serviceId, string $address, string $kerioId): void
    {
        Capsule::table('tblhosting')->where('id', $serviceId)->update(['username' => $address]);
        CustomFields::setValue((int) $this->whmcs->service($serviceId)->packageid, $serviceId, CustomFields::KERIO_ID, $kerioId);
    }

    /**
     * The service's row and custom field values (what a refused action must leave as it was).
     *
     * @return array<string, mixed>
     */
    private function serviceRow(int $serviceId): array
    {
        $values = Capsule::table('tblcustomfieldsvalues')->where('relid', $serviceId)->orderBy('id')->pluck('value')->all();
        return ['service' => (array) $this->whmcs->service($serviceId), 'fields' => $values];
    }

    /** The response of the module log's last row (the engine's error as the module logged it). */
    private function lastFailure(): string
    {
        return (string) Capsule::table('tblmodulelog')->orderBy('id', 'desc')->value('response');
    }
}
