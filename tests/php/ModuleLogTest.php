<?php

namespace KerioSingle\Tests;

use KerioSingle\Harness\Settings;
use KerioSingle\SecretScan\SecretLedger;
use KerioSingle\Tests\Support\ModuleTestCase;
use KerioSingle\Tests\Support\TestEnvironment;
use WHMCS\Module\Server\kerioSingle\Lifecycle;
use WHMCS\Module\Server\kerioSingle\ModuleLog;
use WHMCS\Database\Capsule;

/**
 * The module log records every Kerio exchange and never a secret: the whole lifecycle runs with
 * Module Debug Mode on, successes and failures, then tblmodulelog is searched for each secret used.
 */
final class ModuleLogTest extends ModuleTestCase
{
    public function testNoSecretOfTheWholeLifecycleReachesTheModuleLog(): void
    {
        $secrets = [TestEnvironment::ADMIN_PASSWORD, self::ALPHABET_PASSWORD];
        $serverId = $this->addServer();
        $serviceId = $this->createdService([], [], $serverId);
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'create'));
        $secrets[] = $changed = 'Chang3d & "pass" <word>';
        $this->assertSame('success', $this->whmcs->changePassword($serviceId, $changed));
        $secrets[] = $weak = 'weak"\\';
        $this->assertNotSame('success', $this->whmcs->changePassword($serviceId, $weak, true));
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'suspend'));
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'unsuspend'));
        $this->whmcs->runDailyCron();
        $this->whmcs->listAccounts($serverId);
        $this->whmcs->adminServicesTabFields($serviceId);
        $this->whmcs->testConnection($serverId);
        $secrets[] = $refused = 'Refus3d-"order"-pass';
        $refusedService = $this->order($this->addProduct(['domains' => 'example.org']), $serverId, ['password' => $refused]);
        $this->assertNotSame('success', $this->whmcs->moduleAction($refusedService, 'create'));
        $this->assertSame('success', $this->whmcs->moduleAction($serviceId, 'terminate'));

        $log = Capsule::table('tblmodulelog')->get();
        $text = implode("\n", $log->map(static fn ($row): string => $row->request . "\n" . $row->response . "\n" . $row->arrdata)->all());

        $this->assertGreaterThan(10, $log->count());
        $this->assertStringContainsString('Users.create', $text);
        $this->assertStringContainsString('Session.login', $text);
        foreach ($secrets as $secret) {
            foreach (self::forms($secret) as $form) {
                $this->assertStringNotContainsString($form, $text, 'secret leaked in the form ' . $form);
            }
        }
    }

    public function testNothingIsLoggedWhenModuleDebugModeIsOff(): void
    {
        Settings::set('ModuleDebugMode', '');

        $this->createdService();

        $this->assertSame(0, Capsule::table('tblmodulelog')->count());
    }

    public function testLogRowsNameTheModuleActionAndKerioMethod(): void
    {
        $this->createdService();

        $actions = Capsule::table('tblmodulelog')->where('module', 'keriosingle')->pluck('action')->all();

        $this->assertContains('createaccount users.create', $actions);
    }

    public function testAnUnexpectedFailureMessageShownInWhmcsMasksTheSecretsOfTheParams(): void
    {
        $params = ['serverpassword' => TestEnvironment::ADMIN_PASSWORD, 'password' => 'Svc-"pass"&<1>', 'serviceid' => 1];
        SecretLedger::remember($params['password']);
        $failing = static function () use ($params): void {
            throw new \RuntimeException('lost ' . $params['password'] . ' and ' . json_encode($params['serverpassword']));
        };

        $shown = Lifecycle::run('CreateAccount', $params, $failing);

        $this->assertStringStartsWith('Unexpected RuntimeException: lost ********', $shown);
        foreach ([TestEnvironment::ADMIN_PASSWORD, $params['password']] as $secret) {
            foreach (self::forms($secret) as $form) {
                $this->assertStringNotContainsString($form, $shown);
            }
        }
        $short = Lifecycle::run('CreateAccount', ['password' => 'e'], static function (): void {
            throw new \RuntimeException('The password does not meet the rules.');
        });
        $this->assertSame('Unexpected RuntimeException: The password does not meet the rules.', $short, 'a short secret does not shred the text');
    }

    public function testARunOfOneMethodIsLoggedAsItsFirstTwoExchangesAndOneSummaryButFailuresInFull(): void
    {
        $exchange = static fn (string $method, array $response, int $ms = 3): array => [
            'method' => $method, 'request' => ['method' => $method], 'response' => $response, 'ms' => $ms,
        ];
        $page = ['result' => ['list' => []]];
        $transcript = [$exchange('Session.login', ['result' => []]), $exchange('Domains.get', $page)];
        for ($i = 0; $i < 5; $i++) {
            $transcript[] = $exchange('Users.get', $page, 10 + $i);
        }
        $transcript[] = $exchange('Users.get', ['error' => ['code' => -32001, 'message' => 'Session expired.']]);
        $transcript[] = $exchange('Users.get', ['clientError' => 'timed out']);
        $transcript[] = $exchange('Users.get', $page);
        $transcript[] = $exchange('Session.logout', ['result' => []]);

        (new ModuleLog('UsageUpdate', []))->transcript($transcript);

        $rows = Capsule::table('tblmodulelog')->orderBy('id')->get();
        $this->assertSame([
            'usageupdate session.login', 'usageupdate domains.get', 'usageupdate users.get', 'usageupdate users.get',
            'usageupdate users.get', 'usageupdate users.get', 'usageupdate users.get', 'usageupdate users.get', 'usageupdate session.logout',
        ], $rows->pluck('action')->all());
        $this->assertSame('3 more Users.get exchanges like the ones above, not logged one by one', $rows[4]->request);
        $this->assertSame('39 ms in total', $rows[4]->arrdata, '12 + 13 + 14 ms');
        $this->assertStringContainsString('Session expired.', $rows[5]->response);
        $this->assertStringContainsString('timed out', $rows[6]->response);
    }

    /**
     * The secret as typed, JSON-escaped, HTML-escaped and URL-encoded.
     *
     * @return list<string>
     */
    private static function forms(string $secret): array
    {
        return array_values(array_unique([
            $secret,
            substr((string) json_encode($secret), 1, -1),
            htmlspecialchars($secret, ENT_QUOTES),
            rawurlencode($secret),
            urlencode($secret),
        ]));
    }
}
