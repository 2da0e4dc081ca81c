<?php

namespace KerioSingle\Bench;

use KerioSingle\Harness\Emulator;
use KerioSingle\Harness\ParamsBuilder;
use KerioSingle\Harness\Whmcs;
use WHMCS\Module\Server\kerioSingle\SsoEndpoint;

/**
 * Figure 1: the Kerio API calls each WHMCS action makes through the module and the harness,
 * counted by the emulator (GET /_emulator/stats), against the floor of that action, and the wall
 * time of each whole WHMCS action.
 *
 * The floor is login + the call(s) that do the work + logout. For the actions that change
 * nothing (usage, SSO, test connection) the work is the one read they exist for: the usage list,
 * the mailbox status SSO must check, the admin's identity and role.
 */
final class ExchangesPerAction
{
    /** The calls each action cannot do without. */
    public const FLOORS = [
        'create' => ['Session.login', 'Users.create', 'Session.logout'],
        'suspend' => ['Session.login', 'Users.set', 'Session.logout'],
        'unsuspend' => ['Session.login', 'Users.set', 'Session.logout'],
        'password' => ['Session.login', 'Users.set', 'Session.logout'],
        'package' => ['Session.login', 'Users.set', 'Session.logout'],
        'usage' => ['Session.login', 'Users.get', 'Session.logout'],
        'sso' => ['Session.login', 'Users.get', 'Session.logout'],
        'test connection' => ['Session.login', 'Session.whoAmI', 'Session.logout'],
        'terminate' => ['Session.login', 'Users.remove', 'Session.logout'],
    ];
    public const PASSWORD = 'Lifecycle-Pa55-word!';

    /** How many mailboxes go through the whole lifecycle (the action times are their median). */
    private const LIFECYCLES = 7;

    /** How many module actions timeSuspendCycle() times. */
    private const ACTION_ROUNDS = 40;

    private Whmcs $whmcs;
    private Emulator $emulator;
    private float $actionMedianMs = 0.0;

    public function __construct(Whmcs $whmcs, Emulator $emulator)
    {
        $this->whmcs = $whmcs;
        $this->emulator = $emulator;
    }

    /**
     * Runs every action on LIFECYCLES mailboxes in turn, each in lifecycle order, timing each whole
     * WHMCS action (params, module, engine, Kerio exchanges, database and module-log writes).
     * The exchanges reported are the most any lifecycle needed, the time the median.
     *
     * @return array<string, array{exchanges: int, floor: int, methods: array<string, int>, ms: float}>
     */
    public function measure(): array
    {
        $serverId = $this->whmcs->addServer($this->emulator->serverFields());
        $productId = $this->product('Mailbox', '1024');
        $biggerId = $this->product('Mailbox XL', '2048');
        $clientId = $this->whmcs->addClient(['firstname' => 'Bench', 'lastname' => 'Mark', 'email' => 'bench@example.net']);
        $runs = [];
        for ($lifecycle = 0; $lifecycle < self::LIFECYCLES; $lifecycle++) {
            $serviceId = $this->whmcs->placeOrder($clientId, $productId, $serverId, [
                'localpart' => 'bench.' . bin2hex(random_bytes(3)), 'maildomain' => 'example.com',
                'password' => self::PASSWORD, 'givenname' => 'Bench', 'surname' => 'Mark',
            ]);
            foreach ($this->actions($serverId, $serviceId, $clientId, $biggerId) as $name => $action) {
                if ($name === 'terminate' && $lifecycle === 0) {
                    $this->actionMedianMs = $this->timeSuspendCycle($serviceId);
                }
                $runs[$name][] = $this->count($name, $action);
            }
        }
        return array_map(static fn (array $samples): array => [
            'exchanges' => max(array_column($samples, 'exchanges')),
            'floor' => $samples[0]['floor'],
            'methods' => $samples[0]['methods'],
            'ms' => round(Stopwatch::median(array_column($samples, 'ms')), 2),
        ], $runs);
    }

    /**
     * The actions of one mailbox's lifecycle, in order.
     *
     * @return array<string, callable(): mixed>
     */
    private function actions(int $serverId, int $serviceId, int $clientId, int $biggerId): array
    {
        return [
            'create' => fn () => $this->whmcs->moduleAction($serviceId, 'create'),
            'suspend' => fn () => $this->whmcs->moduleAction($serviceId, 'suspend'),
            'unsuspend' => fn () => $this->whmcs->moduleAction($serviceId, 'unsuspend'),
            'password' => fn () => $this->whmcs->changePassword($serviceId, self::PASSWORD . 'x'),
            'package' => fn () => $this->whmcs->changePackage($serviceId, $biggerId),
            'usage' => fn () => $this->whmcs->runDailyCron()[$serverId],
            'sso' => fn () => $this->singleSignOn($serviceId, $clientId),
            'test connection' => fn () => $this->whmcs->testConnection($serverId)['success'] ? 'success' : 'failed',
            'terminate' => fn () => $this->whmcs->moduleAction($serviceId, 'terminate'),
        ];
    }

    /**
     * Median wall time (ms) of a whole WHMCS suspend or unsuspend action through the harness
     * (params, module, engine, Kerio exchanges, tblhosting and module-log writes), measured by
     * measure() on its mailbox; the denominator of the engine overhead's share of the action.
     */
    public function actionMedianMs(): float
    {
        return $this->actionMedianMs;
    }

    /** Runs ACTION_ROUNDS suspend/unsuspend module actions alternately; returns their median ms. */
    private function timeSuspendCycle(int $serviceId): float
    {
        $times = [];
        for ($round = 0; $round < self::ACTION_ROUNDS; $round++) {
            $action = $round % 2 === 0 ? 'suspend' : 'unsuspend';
            [$result, $ms] = Stopwatch::time(fn (): string => $this->whmcs->moduleAction($serviceId, $action));
            if ($result !== 'success') {
                throw new \RuntimeException("The timed {$action} action failed: {$result}");
            }
            $times[] = $ms;
        }
        return Stopwatch::median($times);
    }

    /**
     * Runs one action with the emulator's counters reset first; the time is the action's alone.
     *
     * @param callable(): mixed $action
     * @return array{exchanges: int, floor: int, methods: array<string, int>, ms: float}
     */
    private function count(string $name, callable $action): array
    {
        $this->emulator->resetStats();
        [$result, $ms] = Stopwatch::time($action);
        if ($result !== 'success') {
            throw new \RuntimeException("The {$name} action failed: " . print_r($result, true));
        }
        $stats = $this->emulator->stats();
        return ['exchanges' => (int) $stats['total'], 'floor' => count(self::FLOORS[$name]), 'methods' => $stats['methods'], 'ms' => $ms];
    }

    /** "Open Webmail": the one-time link, then sso.php's handling of it (which calls the engine). */
    private function singleSignOn(int $serviceId, int $clientId): string
    {
        $link = $this->whmcs->singleSignOn($serviceId);
        parse_str((string) parse_url((string) ($link['redirectTo'] ?? ''), PHP_URL_QUERY), $query);
        $endpoint = new SsoEndpoint(static fn (int $id): array => ParamsBuilder::forService($id, 'kerioSingle'));
        $response = $endpoint->handle((string) ($query['token'] ?? ''), $clientId);
        return $response['status'] === 200 && strpos($response['html'], 'dologin') !== false ? 'success' : 'status ' . $response['status'];
    }

    private function product(string $name, string $quotaMb): int
    {
        $productId = $this->whmcs->addProduct($name);
        $this->whmcs->saveModuleSettings($productId, ['quota_mb' => $quotaMb, 'sso' => true]);
        return $productId;
    }
}
