<?php

namespace KerioSingle\Bench;

use KerioSingle\Harness\Emulator;
use WHMCS\Database\Capsule;

/**
 * The baseline of figure 3: usage the way simpler modules poll it, written here in plain PHP with
 * curl (one kept-alive connection, certificate verified): log in once, one `Users.get` per
 * service, one UPDATE per service, log out. Runs over the services the UsageUpdate run left in
 * the database, against the same emulator.
 */
final class PollingBaseline
{
    private Emulator $emulator;
    /** @var \CurlHandle|resource|null */
    private $curl = null;
    private ?string $token = null;
    private int $nextId = 1;

    public function __construct(Emulator $emulator)
    {
        $this->emulator = $emulator;
    }

    /**
     * Polls the server's first $limit services (all of them when null).
     *
     * @return array{seconds: float, exchanges: int, services: int}
     */
    public function measure(int $serverId, ?int $limit = null): array
    {
        $query = Capsule::table('tblhosting')->where('server', $serverId)
            ->whereIn('domainstatus', ['Active', 'Suspended'])->orderBy('id');
        $services = ($limit === null ? $query : $query->limit($limit))->get(['id', 'username']);
        $this->emulator->resetStats();
        [, $ms] = Stopwatch::time(function () use ($services): void {
            $this->poll($services);
        });
        return ['seconds' => round($ms / 1000, 3), 'exchanges' => (int) $this->emulator->stats()['total'], 'services' => count($services)];
    }

    /** @param iterable<object> $services */
    private function poll(iterable $services): void
    {
        $this->open();
        $this->rpc('Session.login', ['userName' => Emulator::ADMIN_USER, 'password' => BenchEnvironment::ADMIN_PASSWORD,
            'application' => ['name' => 'baseline', 'vendor' => 'bench', 'version' => '1']]);
        $domainIds = [];
        foreach ($this->rpc('Domains.get', ['query' => ['fields' => ['id', 'name'], 'start' => 0, 'limit' => -1]])['list'] as $domain) {
            $domainIds[$domain['name']] = $domain['id'];
        }
        $now = date('Y-m-d H:i:s');
        foreach ($services as $service) {
            [$local, $domain] = explode('@', (string) $service->username, 2);
            $found = $this->rpc('Users.get', ['domainId' => $domainIds[$domain], 'query' => [
                'fields' => ['loginName', 'consumedSize', 'diskSizeLimit'],
                'conditions' => [['fieldName' => 'loginName', 'comparator' => 'Eq', 'value' => $local]],
                'combining' => 'And', 'start' => 0, 'limit' => 1,
            ]])['list'][0] ?? null;
            if ($found === null) {
                continue;
            }
            Capsule::table('tblhosting')->where('id', $service->id)->update([
                'diskusage' => (int) round(self::megabytes($found['consumedSize'])),
                'disklimit' => $found['diskSizeLimit']['isActive'] ? (int) self::megabytes($found['diskSizeLimit']['limit']) : 0,
                'lastupdate' => $now,
            ]);
        }
        $this->rpc('Session.logout', []);
        curl_close($this->curl);
    }

    private function open(): void
    {
        $this->curl = curl_init($this->emulator->adminUrl());
        curl_setopt_array($this->curl, [
            CURLOPT_POST => true, CURLOPT_RETURNTRANSFER => true, CURLOPT_COOKIEFILE => '',
            CURLOPT_CAINFO => $this->emulator->certFile(), CURLOPT_SSL_VERIFYPEER => true, CURLOPT_SSL_VERIFYHOST => 2,
        ]);
    }

    /**
     * @param array<string, mixed> $params
     * @return array<string, mixed> the result
     */
    private function rpc(string $method, array $params): array
    {
        $body = ['jsonrpc' => '2.0', 'id' => $this->nextId++, 'method' => $method, 'params' => (object) $params];
        $headers = ['Content-Type: application/json-rpc; charset=UTF-8'];
        if ($this->token !== null) {
            $body['token'] = $this->token;
            $headers[] = 'X-Token: ' . $this->token;
        }
        curl_setopt_array($this->curl, [CURLOPT_POSTFIELDS => json_encode($body), CURLOPT_HTTPHEADER => $headers]);
        $answer = json_decode((string) curl_exec($this->curl), true);
        if (!is_array($answer) || isset($answer['error'])) {
            throw new \RuntimeException($method . ' failed in the baseline: ' . json_encode($answer['error'] ?? curl_error($this->curl)));
        }
        $this->token = $answer['result']['token'] ?? $this->token;
        return $answer['result'];
    }

    /** @param array{value: int, units: string} $size */
    private static function megabytes(array $size): float
    {
        $powers = ['Bytes' => 0, 'KiloBytes' => 1, 'MegaBytes' => 2, 'GigaBytes' => 3, 'TeraBytes' => 4, 'PetaBytes' => 5];
        return $size['value'] * 1024 ** $powers[$size['units']] / (1024 * 1024);
    }
}
