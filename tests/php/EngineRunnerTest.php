<?php

namespace KerioSingle\Tests;

use KerioSingle\Tests\Support\ModuleTestCase;
use WHMCS\Module\Server\kerioSingle\Engine;
use WHMCS\Module\Server\kerioSingle\EngineError;

/**
 * Every way the engine process can fail to answer gives an error that names the fix, and a
 * lifecycle call never reports success then. Broken engines are real executables (shell scripts).
 */
final class EngineRunnerTest extends ModuleTestCase
{
    private string $scratch;
    private string $realEngine;

    protected function setUp(): void
    {
        parent::setUp();
        $this->realEngine = Engine::defaultBinary();
        $this->scratch = sys_get_temp_dir() . '/kerio-engine-test-' . bin2hex(random_bytes(4));
        mkdir($this->scratch);
    }

    protected function tearDown(): void
    {
        putenv(Engine::BINARY_ENV . '=' . $this->realEngine);
        exec('rm -rf ' . escapeshellarg($this->scratch));
        parent::tearDown();
    }

    public function testAMissingEngineIsNamedInTestConnectionAndCreate(): void
    {
        $serverId = $this->addServer();
        $serviceId = $this->order($this->addProduct(), $serverId);
        putenv(Engine::BINARY_ENV . '=' . $this->scratch . '/kerio-single');

        $answer = $this->whmcs->testConnection($serverId);
        $created = $this->whmcs->moduleAction($serviceId, 'create');

        $this->assertFalse($answer['success']);
        $this->assertStringContainsString('was not found at ' . $this->scratch . '/kerio-single', $answer['error']);
        $this->assertStringContainsString('bin/kerio-single', $answer['error']);
        $this->assertStringContainsString('was not found', $created);
        $this->assertSame('Pending', $this->whmcs->service($serviceId)->domainstatus);
    }

    public function testANonExecutableEngineAsksForChmod(): void
    {
        $path = $this->script('kerio-single', "#!/bin/sh\nexit 0\n", 0644);
        putenv(Engine::BINARY_ENV . '=' . $path);

        $answer = $this->whmcs->testConnection($this->addServer());

        $this->assertFalse($answer['success']);
        $this->assertStringContainsString('chmod 755 ' . $path, $answer['error']);
    }

    public function testDisabledProcOpenIsExplained(): void
    {
        $probe = $this->script('probe.php', '<?php
            putenv("KS_DB_DRIVER=sqlite"); putenv("KS_DB_PATH=:memory:");
            require ' . var_export(ROOTDIR . '/harness/bootstrap.php', true) . ';
            $whmcs = \KerioSingle\Harness\Whmcs::install(\KerioSingle\Harness\Database::configFromEnvironment());
            $server = $whmcs->addServer(["hostname" => "127.0.0.1", "username" => "a", "password" => "b"]);
            echo json_encode($whmcs->testConnection($server));', 0644);

        $output = shell_exec(escapeshellarg(PHP_BINARY) . ' -d disable_functions=proc_open ' . escapeshellarg($probe) . ' 2>&1');
        $answer = json_decode((string) $output, true);

        $this->assertIsArray($answer, (string) $output);
        $this->assertFalse($answer['success']);
        $this->assertStringContainsString('proc_open is disabled', $answer['error']);
        $this->assertStringContainsString('disable_functions', $answer['error']);
    }

    public function testACrashingEngineIsReportedWithItsExitStatus(): void
    {
        putenv(Engine::BINARY_ENV . '=' . $this->script('kerio-single', "#!/bin/sh\ncat >/dev/null\necho 'panicked at src/main.rs' >&2\nexit 101\n"));
        $serverId = $this->addServer();
        // The product lists its domain: the crashing engine cannot fill the Domain dropdown.
        $serviceId = $this->order($this->addProduct(['domains' => 'example.com']), $serverId);

        $created = $this->whmcs->moduleAction($serviceId, 'create');

        $this->assertStringContainsString('stopped without an answer (exit status 101): panicked at src/main.rs', $created);
        $this->assertStringContainsString('Re-upload bin/kerio-single', $created);
        $this->assertSame('Pending', $this->whmcs->service($serviceId)->domainstatus);
        $this->assertSame(1, $this->openQueueRows($serviceId));
    }

    public function testAnEngineKilledByASignalIsACrash(): void
    {
        $engine = new Engine($this->script('kerio-single', "#!/bin/sh\nkill -9 \$\$\n"), 10);

        $error = $this->runAndCatch($engine);

        $this->assertSame(EngineError::CRASHED, $error->errorCode());
        $this->assertStringContainsString('exit status 137', $error->getMessage());
    }

    public function testAHangingEngineIsStoppedAtTheDeadline(): void
    {
        $engine = new Engine($this->script('kerio-single', "#!/bin/sh\nexec sleep 30\n"), 1);
        $started = microtime(true);

        $error = $this->runAndCatch($engine);

        $this->assertSame(EngineError::TIMEOUT, $error->errorCode());
        $this->assertStringContainsString('timeout', $error->hint());
        $this->assertLessThan(5, microtime(true) - $started);
    }

    public function testUnreadableOutputIsNotMistakenForSuccess(): void
    {
        $engine = new Engine($this->script('kerio-single', "#!/bin/sh\ncat >/dev/null\necho '{\"result\":\"success\"}'\n"), 10);

        $error = $this->runAndCatch($engine);

        $this->assertSame(EngineError::OUTPUT, $error->errorCode());
    }

    public function testALargeRequestIsFedWithoutDeadlock(): void
    {
        $engine = new Engine($this->realEngine, 30);
        $addresses = [];
        for ($i = 0; $i < 5000; $i++) {
            $addresses[] = 'nobody' . $i . '@example.com';
        }

        $response = $engine->run(['v' => 1, 'op' => 'no_such_op', 'server' => null, 'args' => ['addresses' => $addresses]]);

        $this->assertFalse($response['ok']);
        $this->assertSame('invalid_request', $response['error']['code']);
    }

    /**
     * A request many pipe buffers long reaches the engine whole and in order, and an answer as long
     * comes back whole: the stand-in engine answers with the request it read as its result.
     */
    public function testALargeRequestReachesTheEngineByteForByte(): void
    {
        $echo = $this->script('kerio-single', "#!/bin/sh\nprintf '{\"ok\":true,\"transcript\":[],\"result\":'\ncat\nprintf '}\\n'\n");
        $addresses = [];
        for ($i = 0; $i < 20000; $i++) {
            $addresses[] = 'mailbox' . $i . '@d' . ($i % 97) . '.example';
        }
        $request = ['v' => 1, 'op' => 'usage', 'server' => null, 'args' => ['addresses' => $addresses, 'compact' => true]];

        $response = (new Engine($echo, 30))->run($request);

        $this->assertGreaterThan(8 * 65536, strlen((string) json_encode($request)), 'several pipe buffers');
        $this->assertSame($request, $response['result']);
    }

    /**
     * Issue 17.8: PHP reads at most 1 MiB of an answer (list_accounts and usage excepted) and fails
     * clearly past it; an answer of exactly 1 MiB is read whole.
     */
    public function testAnswersPastOneMebibyteAreNotReadButRefused(): void
    {
        $answer = static function (int $bytes): string {
            $padding = $bytes - strlen('{"ok":true,"transcript":[],"result":{"x":""}}');
            return '#!' . PHP_BINARY . "\n<?php\nstream_get_contents(STDIN);\n"
                . 'echo \'{"ok":true,"transcript":[],"result":{"x":"\', str_repeat(\'x\', ' . $padding . '), "\\"}}\\n";' . "\n";
        };
        $exact = new Engine($this->script('kerio-single', $answer(Engine::MAX_ANSWER_BYTES)), 10);
        $response = $exact->run(['v' => 1, 'op' => 'account_info', 'server' => null, 'args' => []]);
        $this->assertSame(Engine::MAX_ANSWER_BYTES - strlen('{"ok":true,"transcript":[],"result":{"x":""}}'), strlen($response['result']['x']));

        $huge = $this->script('kerio-single', $answer(50 * 1024 * 1024));
        $before = memory_get_peak_usage();
        try {
            (new Engine($huge, 10))->run(['v' => 1, 'op' => 'account_info', 'server' => null, 'args' => []]);
            $this->fail('a 50 MB answer was read');
        } catch (EngineError $error) {
            $this->assertSame(EngineError::OUTPUT, $error->errorCode());
            $this->assertStringContainsString('answer to account_info is longer than 1048576 bytes', $error->getMessage());
        }
        $this->assertLessThan(4 * 1024 * 1024, memory_get_peak_usage() - $before, 'PHP held no more than about the limit');

        $listing = (new Engine($this->script('kerio-single', $answer(2 * 1024 * 1024)), 10))
            ->run(['v' => 1, 'op' => 'list_accounts', 'server' => null, 'args' => []]);
        $this->assertTrue($listing['ok'], 'list_accounts and usage are read whole');
    }

    private function runAndCatch(Engine $engine): EngineError
    {
        try {
            $engine->run(['v' => 1, 'op' => 'test_connection', 'server' => null, 'args' => (object) []]);
        } catch (EngineError $error) {
            return $error;
        }
        $this->fail('the broken engine was taken for a working one');
    }

    /**
     * @return array<string, array{0: list<string>, 1: string}>
     */
    public function brokenUsageStreams(): array
    {
        $partial = '{"partial":{"usage":[[0,11,22]]}}';
        return [
            'fails after streaming a figure' => [
                [$partial, '{"ok":false,"error":{"code":"network","message":"Kerio stopped answering.","hint":"Check the server."},"transcript":[]}'],
                'Kerio stopped answering.',
            ],
            'counts fewer figures than it sent' => [
                [$partial, '{"ok":true,"result":{"streamed":2},"transcript":[]}'],
                'reported 2 usage figures, but 1 arrived',
            ],
            'sends a figure for a position never asked' => [
                ['{"partial":{"usage":[[0,11,22],[7,1,1]]}}', '{"ok":true,"result":{"streamed":2},"transcript":[]}'],
                'but 2 arrived (1 for services asked about)',
            ],
            'writes an unreadable partial line' => [
                ['{"partial":{"usage":[[0,11', '{"ok":true,"result":{"streamed":1},"transcript":[]}'],
                'unreadable output',
            ],
        ];
    }

    /**
     * A usage run writes its figures only when the engine's answer confirms every figure it
     * streamed: a failure after some figures arrived, a count that does not match, a figure for a
     * position never asked or an unreadable line writes none (and the next run still works).
     *
     * @dataProvider brokenUsageStreams
     * @param list<string> $engineLines what the broken engine writes, line by line
     */
    public function testAUsageRunIsWrittenWholeOrNotAtAll(array $engineLines, string $error): void
    {
        $serverId = $this->addServer();
        $first = $this->createdService([], [], $serverId);
        $second = $this->createdService([], ['maildomain' => 'example.org'], $serverId);
        $echoes = array_map(static fn (string $line): string => 'echo ' . escapeshellarg($line) . "\n", $engineLines);
        putenv(Engine::BINARY_ENV . '=' . $this->script('kerio-single', "#!/bin/sh\ncat >/dev/null\n" . implode('', $echoes)));

        $results = $this->whmcs->runDailyCron();

        $this->assertStringContainsString($error, (string) $results[$serverId]);
        foreach ([$first, $second] as $serviceId) {
            $service = $this->whmcs->service($serviceId);
            $this->assertSame(['0', '0', '0000-00-00 00:00:00'], [(string) $service->diskusage, (string) $service->disklimit, (string) $service->lastupdate]);
        }
        putenv(Engine::BINARY_ENV . '=' . $this->realEngine);
        $this->assertSame('success', $this->whmcs->runDailyCron()[$serverId], 'the next run works');
        $this->assertNotSame('0000-00-00 00:00:00', (string) $this->whmcs->service($second)->lastupdate);
    }

    private function script(string $name, string $content, int $mode = 0755): string
    {
        $path = $this->scratch . '/' . $name;
        file_put_contents($path, $content);
        chmod($path, $mode);
        return $path;
    }
}
