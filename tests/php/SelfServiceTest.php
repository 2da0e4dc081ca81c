<?php

namespace KerioSingle\Tests;

use KerioSingle\Harness\CsrfFailure;
use KerioSingle\Harness\CsrfToken;
use KerioSingle\Harness\ModuleLoader;
use KerioSingle\Harness\ParamsBuilder;
use KerioSingle\Harness\Request;
use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Database\Capsule;
use WHMCS\Module\Server\kerioSingle\ForwardingChanges;
use WHMCS\Module\Server\kerioSingle\NamedLock;
use WHMCS\Module\Server\kerioSingle\SettingsError;

/**
 * The customer's aliases and forwarding (issue 12) through WHMCS's client-area custom functions:
 * kerioSingle_AddAlias / RemoveAlias / SetForwarding against the real engine and emulator; the CSRF
 * token, the service status, the plan's limits, another service's data, and the cards.
 */
final class SelfServiceTest extends ModuleTestCase
{
    private int $serviceId;
    private string $address;
    private string $local;

    protected function setUp(): void
    {
        parent::setUp();
        $this->serviceId = $this->createdService(['max_aliases' => '3', 'forwarding' => true, 'max_forward_targets' => '2']);
        $this->address = $this->address($this->serviceId);
        $this->local = (string) strstr($this->address, '@', true);
    }

    public function testTheCustomerAddsAndRemovesAnAlias(): void
    {
        $this->assertSame(['AddAlias', 'RemoveAlias', 'SetForwarding'], kerioSingle_ClientAreaAllowedFunctions());

        $this->assertSame('success', $this->add($this->local . '-sales'));
        $this->assertSame('success', $this->add($this->local . '-info@example.com'));

        $this->assertSame([$this->local . '-sales@example.com', $this->local . '-info@example.com'], $this->kerioAliases());
        $page = $this->whmcs->clientArea($this->serviceId);
        $this->assertStringContainsString('2 of 3 used', $page);
        $this->assertStringContainsString($this->local . '-sales@example.com', $page);

        $this->assertSame('success', $this->whmcs->clientCustomAction($this->serviceId, 'RemoveAlias', ['alias' => $this->local . '-sales']));
        $this->assertSame([$this->local . '-info@example.com'], $this->kerioAliases());
    }

    public function testAddingTheSameAliasAgainAndRemovingAMissingOneAreSuccessWithoutAChange(): void
    {
        $this->assertSame('success', $this->add($this->local . '-x'));
        $this->emulator->resetStats();

        $this->assertSame('success', $this->add($this->local . '-x'));
        $this->assertSame('success', $this->whmcs->clientCustomAction($this->serviceId, 'RemoveAlias', ['alias' => $this->local . '-none']));

        $this->assertSame(0, $this->emulator->stats()['methods']['Users.set'] ?? 0, 'nothing written');
        $this->assertSame([$this->local . '-x@example.com'], $this->kerioAliases());
    }

    public function testAnAliasAddNeedsAtMostFiveExchangesAndTheOthersFour(): void
    {
        $this->emulator->resetStats();
        $this->assertSame('success', $this->add($this->local . '-count'));
        $this->assertSame(5, $this->emulator->stats()['total'], 'login, read, findEntityByEmail, set, logout');

        $this->emulator->resetStats();
        $this->assertSame('success', $this->forward("{$this->local}@example.net"));
        $this->assertSame(5, $this->emulator->stats()['total'], 'login, read, Domains.get (is the target on this server?), set, logout');

        $this->emulator->resetStats();
        $this->assertSame('success', $this->forward(''));
        $this->assertSame(4, $this->emulator->stats()['total'], 'turning forwarding off: login, read, set, logout');
    }

    public function testTheCustomerSetsAndTurnsOffForwarding(): void
    {
        $this->assertSame('success', $this->forward("a@example.net,\n B@example.net", '0'));

        $forwarding = $this->emulator->user($this->address)['emailForwarding'];
        $this->assertEquals(['mode' => 'UForwardYes', 'emailAddresses' => ['a@example.net', 'b@example.net']], $forwarding);
        $this->assertStringContainsString('a@example.net, b@example.net', $this->whmcs->clientArea($this->serviceId));

        $this->assertSame('success', $this->forward('a@example.net', '1'));
        $this->assertSame('UForwardDeliver', $this->emulator->user($this->address)['emailForwarding']['mode']);

        $this->assertSame('success', $this->forward(''));
        $this->assertEquals(['mode' => 'UForwardNone', 'emailAddresses' => []], $this->emulator->user($this->address)['emailForwarding']);
    }

    public function testWithoutOrWithAWrongCsrfTokenNothingChanges(): void
    {
        foreach ([null, 'forged-token'] as $token) {
            try {
                $this->whmcs->clientCustomAction($this->serviceId, 'AddAlias', ['alias' => $this->local . '-csrf'], $token);
                $this->fail('check_token() must stop the request');
            } catch (CsrfFailure $expected) {
                $this->assertSame([], $this->kerioAliases());
            }
        }
    }

    public function testASuspendedServiceShowsReadOnlyCardsAndRefusesChanges(): void
    {
        $this->assertSame('success', $this->add($this->local . '-kept'));
        $this->assertSame('success', $this->forward('keep@example.net'));
        $this->assertSame('success', $this->whmcs->moduleAction($this->serviceId, 'suspend'));

        $this->emulator->resetStats();

        $result = $this->add($this->local . '-new');
        $removed = $this->whmcs->clientCustomAction($this->serviceId, 'RemoveAlias', ['alias' => $this->local . '-kept']);
        $forwarded = $this->forward('other@example.net');
        $turnedOff = $this->forward('');

        foreach (['AddAlias' => $result, 'RemoveAlias' => $removed, 'SetForwarding' => $forwarded, 'SetForwarding off' => $turnedOff] as $function => $answer) {
            $this->assertSame(\KerioSingle\Harness\Whmcs::PRODUCT_NOT_ACTIVE, $answer, $function . ': WHMCS refuses before the module runs');
        }
        $this->assertSame(0, $this->emulator->stats()['total'], 'the engine was never asked');
        $this->assertSame([$this->local . '-kept@example.com'], $this->kerioAliases(), 'suspend keeps aliases; nothing added or removed');
        $this->assertSame(['keep@example.net'], $this->emulator->user($this->address)['emailForwarding']['emailAddresses']);
        $page = $this->whmcs->clientArea($this->serviceId);
        $this->assertStringContainsString('id="kerioSelfServiceReadOnly"', $page);
        $this->assertStringContainsString('Forwarding is paused while the mailbox is suspended.', $page);
        $this->assertStringNotContainsString('id="kerioAliasForm"', $page);
        $this->assertStringNotContainsString('id="kerioForwardingForm"', $page);
    }

    /**
     * Behind WHMCS's own gate (which refuses custom functions of a service that is not Active before
     * the module runs), the module refuses them too: a WHMCS version or a call path without the gate
     * still changes nothing on a suspended mailbox.
     */
    public function testTheModuleItselfRefusesChangesOnASuspendedServiceWhenCalledPastWhmcssGate(): void
    {
        $this->assertSame('success', $this->add($this->local . '-kept'));
        $this->assertSame('success', $this->whmcs->moduleAction($this->serviceId, 'suspend'));
        $this->emulator->resetStats();
        $calls = [
            'AddAlias' => ['alias' => $this->local . '-new'],
            'RemoveAlias' => ['alias' => $this->local . '-kept'],
            'SetForwarding' => ['forward_to' => 'other@example.net', 'keep_copy' => '1'],
        ];

        foreach ($calls as $function => $post) {
            Request::set(['action' => 'productdetails', 'id' => (string) $this->serviceId, 'modop' => 'custom', 'a' => $function], $post + ['token' => CsrfToken::current()]);
            try {
                $answer = (string) ModuleLoader::call('kerioSingle', $function, ParamsBuilder::forService($this->serviceId, 'kerioSingle') + ['action' => $function]);
            } finally {
                Request::clear();
            }
            $this->assertSame('The mailbox is suspended; aliases and forwarding can be changed again once it is reactivated.', $answer, $function);
        }

        $this->assertSame(0, $this->emulator->stats()['total'], 'the engine was never asked');
        $this->assertSame([$this->local . '-kept@example.com'], $this->kerioAliases());
    }

    public function testTerminateRemovesAliasesWithTheUser(): void
    {
        $this->assertSame('success', $this->add($this->local . '-gone'));
        $this->assertSame('success', $this->whmcs->moduleAction($this->serviceId, 'terminate'));

        $this->assertNull($this->emulator->user($this->address));
        $next = $this->createdService(['max_aliases' => '1']);
        $this->assertSame('success', $this->whmcs->clientCustomAction($next, 'AddAlias', ['alias' => $this->local . '-gone']), 'the alias is free again');
    }

    /**
     * @return iterable<string, array{0: string, 1: array<string, string>, 2: string}>
     */
    public static function refusedChanges(): iterable
    {
        yield 'alias reserved' => ['AddAlias', ['alias' => 'postmaster'], 'reserved'];
        yield 'alias other domain' => ['AddAlias', ['alias' => 'x@example.org'], 'not in the mailbox\'s domain'];
        yield 'alias markup' => ['AddAlias', ['alias' => '<b>x</b>'], 'not a valid address'];
        yield 'alias CRLF' => ['AddAlias', ['alias' => "a\r\nb"], 'not a valid address'];
        yield 'alias 1 MB' => ['AddAlias', ['alias' => str_repeat('a', 1024 * 1024)], 'too long'];
        yield 'alias empty' => ['AddAlias', ['alias' => ''], 'No alias was given'];
        yield 'alias spaces' => ['AddAlias', ['alias' => 'john doe'], 'not a valid address'];
        yield 'alias double dot' => ['AddAlias', ['alias' => 'a..b'], 'not a valid address'];
        yield 'alias too long' => ['AddAlias', ['alias' => str_repeat('x', 65)], 'not a valid address'];
        yield 'forward loop to itself' => ['SetForwarding', ['forward_to' => 'SELF'], 'loop'];
        yield 'forward over the limit' => ['SetForwarding', ['forward_to' => 'a@x.net b@x.net c@x.net'], 'allows 2'];
        yield 'forward invalid' => ['SetForwarding', ['forward_to' => 'not-an-address'], 'is not valid'];
        yield 'forward duplicates' => ['SetForwarding', ['forward_to' => 'a@x.net, A@x.net'], 'listed twice'];
        yield 'forward markup' => ['SetForwarding', ['forward_to' => '<script>@x.net'], 'is not valid'];
        yield 'forward to localhost' => ['SetForwarding', ['forward_to' => 'a@localhost'], 'without a dot'];
        yield 'forward to an IPv4 literal' => ['SetForwarding', ['forward_to' => 'a@127.0.0.1'], 'an IP address'];
        yield 'forward to a dotless name' => ['SetForwarding', ['forward_to' => 'ok@example.net a@intranet'], 'without a dot'];
        yield 'forward to .local' => ['SetForwarding', ['forward_to' => 'a@printer.local'], 'special-use'];
        yield 'forward to .localhost' => ['SetForwarding', ['forward_to' => 'a@app.localhost'], 'special-use'];
        yield 'forward to .test' => ['SetForwarding', ['forward_to' => 'a@shop.test'], 'special-use'];
        yield 'forward to .invalid' => ['SetForwarding', ['forward_to' => 'a@x.invalid'], 'special-use'];
        yield 'forward 1 MB' => ['SetForwarding', ['forward_to' => str_repeat('a@x.net ', 131072)], 'too long'];
    }

    /**
     * @dataProvider refusedChanges
     * @param array<string, string> $post
     */
    public function testABadEntryIsRefusedWithAClearReasonAndChangesNothing(string $function, array $post, string $reason): void
    {
        $post = array_map(fn (string $value): string => str_replace('SELF', $this->address, $value), $post);
        $before = $this->emulator->user($this->address);

        $result = $this->whmcs->clientCustomAction($this->serviceId, $function, $post);

        // the module's text is HTML (WHMCS prints it raw): the customer reads it decoded
        $this->assertStringContainsString($reason, html_entity_decode($result, ENT_QUOTES));
        $this->assertSame($before, $this->emulator->user($this->address), 'nothing changed on Kerio');
        $this->assertStringNotContainsString(self::ALPHABET_PASSWORD, $result);
    }

    public function testForwardingToAnOwnAliasIsALoop(): void
    {
        $this->assertSame('success', $this->add($this->local . '-loop'));

        $this->assertStringContainsString('loop', $this->forward($this->local . '-loop@example.com'));
        $this->assertSame('UForwardNone', $this->emulator->user($this->address)['emailForwarding']['mode']);
    }

    public function testAnAliasAboveThePlanLimitIsRefused(): void
    {
        foreach (['-1', '-2', '-3'] as $suffix) {
            $this->assertSame('success', $this->add($this->local . $suffix));
        }

        $result = $this->add($this->local . '-4');

        $this->assertStringContainsString('this service allows 3', $result);
        $this->assertCount(3, $this->kerioAliases());
        $this->assertStringContainsString('All aliases of your plan are in use', $this->whmcs->clientArea($this->serviceId));
    }

    public function testAnAliasTakenByAnotherAccountItsAliasAGroupOrAListIsRefusedWithoutNamingTheHolder(): void
    {
        $other = $this->createdService(['max_aliases' => '3']);
        $otherAddress = $this->address($other);
        $otherLogin = (string) strstr($otherAddress, '@', true);
        $this->emulator->setAliases($otherAddress, [$this->local . '-taken']);
        $this->emulator->addAddressHolder('EntityGroup', 'example.com', 'board-' . $this->local);
        $this->emulator->addAddressHolder('EntityMailingList', 'example.com', 'list-' . $this->local, [$this->local . '-news']);

        foreach ([
            'by login' => [$otherLogin, 'the user "' . $otherLogin . '"'],
            'by alias' => [$this->local . '-taken', 'the user "' . $otherLogin . '"'],
            'by group' => ['board-' . $this->local, 'the group "board-' . $this->local . '"'],
            'by list address' => [$this->local . '-news', 'the mailing list "list-' . $this->local . '"'],
        ] as $case => [$alias, $holder]) {
            $result = $this->add($alias);

            $this->assertSame('The address ' . $alias . '@example.com is not available. Choose another alias.', $result, $case);
            $this->assertSame('already_taken', $this->lastErrorCode(), $case);
            $logged = (string) Capsule::table('tblmodulelog')->orderBy('id', 'desc')->value('response');
            $this->assertStringContainsString($holder, $logged, $case . ': staff read the holder in the module log');
        }
        $this->assertSame([], $this->kerioAliases());
    }

    public function testForwardingToAMailboxThatForwardsBackIsALoopAndNamesNoOne(): void
    {
        $other = $this->createdService(['max_aliases' => '1', 'forwarding' => true]);
        $otherAddress = $this->address($other);
        $this->assertSame('success', $this->whmcs->clientCustomAction($other, 'SetForwarding', ['forward_to' => $this->address, 'keep_copy' => '1']));
        $before = $this->emulator->user($this->address);

        $result = $this->forward($otherAddress);

        $this->assertSame(
            'Forwarding there would send the mail back to this mailbox: that address already forwards here (a loop). Remove that address from the forwarding addresses.',
            $result
        );
        $this->assertSame($before, $this->emulator->user($this->address), 'nothing changed on Kerio');
        $logged = (string) Capsule::table('tblmodulelog')->orderBy('id', 'desc')->value('response');
        $this->assertStringContainsString('the mailbox ' . $otherAddress . ' forwards to ' . $this->address, $logged, 'staff read which mailbox');
    }

    public function testEveryForwardingChangeIsInTheActivityLogWithOldAndNewTargets(): void
    {
        $this->assertSame('success', $this->forward('a@example.net, b@example.net', '0'));
        $this->assertSame('success', $this->forward('a@example.net, b@example.net', '0'));
        $this->assertSame('success', $this->forward('c@example.net'));
        $this->assertSame('success', $this->forward(''));

        $lines = Capsule::table('tblactivitylog')->where('description', 'like', 'kerioSingle: forwarding of%')->orderBy('id')->pluck('description')->all();
        $this->assertSame([
            'kerioSingle: forwarding of ' . $this->address . ' changed from off to a@example.net, b@example.net (no copy kept) - Service ID: ' . $this->serviceId,
            'kerioSingle: forwarding of ' . $this->address . ' changed from a@example.net, b@example.net to c@example.net (copy kept) - Service ID: ' . $this->serviceId,
            'kerioSingle: forwarding of ' . $this->address . ' changed from c@example.net to off - Service ID: ' . $this->serviceId,
        ], $lines, 'one line per change; setting the same forwarding again is no change');
        $this->assertStringNotContainsString(self::ALPHABET_PASSWORD, implode("\n", $lines));
    }

    public function testForwardingChangesAreLimitedPerServiceAndHourAsTheAccessHashSets(): void
    {
        $serverId = $this->addServer(['accesshash' => $this->emulator->serverFields()['accesshash'] . "\nforwarding_changes_per_hour = 2"]);
        $limited = $this->createdService(['max_aliases' => '1', 'forwarding' => true], [], $serverId);
        $forward = fn (string $to): string => $this->whmcs->clientCustomAction($limited, 'SetForwarding', ['forward_to' => $to, 'keep_copy' => '1']);
        $this->assertSame('success', $forward('one@example.net'));
        $this->assertSame('success', $forward('one@example.net'), 'no change: not counted');
        $this->assertSame('success', $forward('two@example.net'));
        $before = $this->emulator->user($this->address($limited));

        $refused = $forward('three@example.net');

        $this->assertMatchesRegularExpression('/^Forwarding was changed 2 times in the last hour, the most this service allows; please try again in [1-9][0-9]* minute\(s\)\.$/', $refused);
        $this->assertSame($before, $this->emulator->user($this->address($limited)), 'nothing changed on Kerio');
        $this->assertSame('success', $this->forward('other@example.net'), 'another service has its own count (default 10)');
        Capsule::table(ForwardingChanges::TABLE)->where('serviceid', $limited)->update(['changed_at' => time() - 3601]);
        $this->assertSame('success', $forward('three@example.net'), 'an hour later the change is allowed');
    }

    public function testAChangeThatCannotGetTheMailboxLockIsToldToTryAgainAndDoesNothing(): void
    {
        $lock = NamedLock::mailbox(strtoupper($this->address));
        $otherWorker = $this->anotherWorkerHolding($lock);
        $ran = false;

        try {
            NamedLock::whileHolding([NamedLock::mailbox($this->address)], static function () use (&$ran): void {
                $ran = true;
            }, 1);
            $this->fail('a lock held elsewhere must not be granted');
        } catch (SettingsError $busy) {
            $this->assertSame('Another change of this address or mailbox is still running; please try again in a moment.', $busy->getMessage());
        }

        $this->assertFalse($ran, 'nothing was done');
        $otherWorker->query("SELECT RELEASE_LOCK('" . $lock . "')");
        $this->assertSame('success', $this->add($this->local . '-after'), 'once released, the change goes through');
    }

    public function testAProductWithoutAliasesOrForwardingRefusesAndShowsNoCards(): void
    {
        $plain = $this->createdService();

        $this->assertStringContainsString('Your plan includes no aliases', $this->whmcs->clientCustomAction($plain, 'AddAlias', ['alias' => 'x' . $plain]));
        $this->assertStringContainsString('does not include forwarding', $this->whmcs->clientCustomAction($plain, 'SetForwarding', ['forward_to' => 'a@x.net']));
        $this->assertStringNotContainsString('id="kerioAliases"', $this->whmcs->clientArea($plain));
    }

    public function testTheCardsNeverShowAnotherServicesMailbox(): void
    {
        $other = $this->createdService(['max_aliases' => '3']);
        $this->emulator->setAliases($this->address($other), [$this->local . '-secret']);
        Capsule::table('tblhosting')->where('id', $this->serviceId)->update(['username' => $this->address($other)]);
        Capsule::table('tblcustomfieldsvalues')->where('relid', $this->serviceId)
            ->where('fieldid', $this->whmcs->productCustomFields((int) $this->whmcs->service($this->serviceId)->packageid)['kerio_id']->id)
            ->update(['value' => '']);

        $page = $this->whmcs->clientArea($this->serviceId);
        $result = $this->add($this->local . '-steal');

        $this->assertStringNotContainsString($this->local . '-secret', $page);
        $this->assertNotSame('success', $result);
        $this->assertSame('not_owned', $this->lastErrorCode());
        $this->assertSame([$this->local . '-secret@example.com'], $this->aliasesOf($this->address($other)));
    }

    public function testTheGermanCardsAreTranslated(): void
    {
        Capsule::table('tblclients')->where('id', $this->whmcs->service($this->serviceId)->userid)->update(['language' => 'german']);
        $this->assertSame('success', $this->add($this->local . '-de'));

        $page = $this->whmcs->clientArea($this->serviceId);

        $this->assertStringContainsString('Aliase', $page);
        $this->assertStringContainsString('1 von 3 belegt', $page);
        $this->assertStringContainsString('Weiterleitung speichern', $page);
    }

    public function testTheAdminTabShowsAliasesAndForwarding(): void
    {
        $this->assertSame('success', $this->add($this->local . '-adm'));
        $this->assertSame('success', $this->forward('adm@example.net'));

        $rows = $this->whmcs->adminServicesTabFields($this->serviceId);

        $this->assertStringContainsString($this->local . '-adm@example.com', (string) $rows['Aliases']);
        $this->assertStringContainsString('adm@example.net', (string) $rows['Forwarding']);
    }

    private function add(string $alias): string
    {
        return $this->whmcs->clientCustomAction($this->serviceId, 'AddAlias', ['alias' => $alias]);
    }

    private function forward(string $targets, string $keepCopy = '1'): string
    {
        return $this->whmcs->clientCustomAction($this->serviceId, 'SetForwarding', ['forward_to' => $targets, 'keep_copy' => $keepCopy]);
    }

    /** @return list<string> the service mailbox's aliases on Kerio, as full addresses */
    private function kerioAliases(): array
    {
        return $this->aliasesOf($this->address);
    }

    /** @return list<string> */
    private function aliasesOf(string $address): array
    {
        $domain = substr((string) strrchr($address, '@'), 1);
        return array_map(
            static fn (string $alias): string => strpos($alias, '@') === false ? $alias . '@' . $domain : $alias,
            (array) $this->emulator->user($address)['emailAddresses']
        );
    }
}
