<?php

declare(strict_types=1);

namespace KerioSingle\Tests\Browser;

/**
 * A headless Chromium driven through the DevTools protocol over a pipe
 * (`--remote-debugging-pipe`: commands on fd 3, replies on fd 4, each message
 * NUL-terminated JSON). No WebSocket library and no Node are needed.
 *
 * One instance = one browser process with one page. Every call is synchronous.
 */
final class Browser
{
    private const CHROMIUM = '/usr/bin/chromium';
    private const VIEWPORT = ['width' => 1280, 'height' => 900];

    /** @var resource */
    private $process;
    /** @var array<int, resource> */
    private array $pipes;
    private string $profileDir;
    private string $buffer = '';
    private int $nextId = 1;
    private string $sessionId = '';
    /** @var list<string> page targets attached so far */
    private array $knownPages = [];
    /** @var list<array<string, mixed>> DevTools events received so far (method, params, sessionId) */
    private array $events = [];

    /**
     * Starts Chromium headless with a throw-away profile and attaches to its page.
     *
     * @param bool $ignoreCertificateErrors true only for tests that visit the emulator's self-signed webmail
     */
    public function __construct(bool $ignoreCertificateErrors = false)
    {
        $this->profileDir = sys_get_temp_dir() . '/kerio-browser-' . bin2hex(random_bytes(6));
        mkdir($this->profileDir, 0700);
        $command = [
            self::CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu',
            '--disable-background-networking', '--disable-component-update', '--disable-sync',
            '--no-first-run', '--hide-scrollbars', '--user-data-dir=' . $this->profileDir,
            '--remote-debugging-pipe', 'about:blank',
        ];
        if ($ignoreCertificateErrors) {
            $command[] = '--ignore-certificate-errors';
        }
        $descriptors = [
            0 => ['file', '/dev/null', 'r'],
            1 => ['file', '/dev/null', 'w'],
            2 => ['file', $this->profileDir . '/chromium.log', 'w'],
            3 => ['pipe', 'r'],
            4 => ['pipe', 'w'],
        ];
        $process = proc_open($command, $descriptors, $pipes);
        if (!is_resource($process)) {
            throw new \RuntimeException('could not start ' . self::CHROMIUM . ' (apt-get install chromium)');
        }
        $this->process = $process;
        $this->pipes = $pipes;
        $this->attachToPage();
    }

    /** Stops the browser and removes its profile. */
    public function __destruct()
    {
        $this->close();
    }

    /** Stops the browser process (idempotent). */
    public function close(): void
    {
        if (!is_resource($this->process)) {
            return;
        }
        try {
            $this->command('Browser.close', [], false);
        } catch (\Throwable $ignored) {
            // the process may already be gone; terminating below is enough
        }
        $deadline = microtime(true) + 5;
        while (proc_get_status($this->process)['running'] && microtime(true) < $deadline) {
            usleep(50000);
        }
        foreach ($this->pipes as $pipe) {
            if (is_resource($pipe)) {
                fclose($pipe);
            }
        }
        proc_terminate($this->process);
        proc_close($this->process);
        // helper processes may still flush into the profile for a moment; a leftover temp dir is harmless
        exec('rm -rf ' . escapeshellarg($this->profileDir) . ' 2>/dev/null');
    }

    /** Loads $url and waits until the document has finished loading. */
    public function goto(string $url): void
    {
        $this->command('Page.navigate', ['url' => $url]);
        $this->waitFor('document.readyState === "complete" && location.href !== "about:blank"');
    }

    /**
     * Evaluates a JavaScript expression in the page and returns its value (JSON-compatible).
     *
     * @return mixed
     */
    public function evaluate(string $expression)
    {
        $reply = $this->command('Runtime.evaluate', [
            'expression' => $expression,
            'returnByValue' => true,
            'awaitPromise' => true,
        ]);
        if (isset($reply['exceptionDetails'])) {
            $detail = $reply['exceptionDetails']['exception']['description'] ?? $reply['exceptionDetails']['text'];
            throw new \RuntimeException('page script failed: ' . $detail . "\nscript: " . $expression);
        }
        return $reply['result']['value'] ?? null;
    }

    /** Polls $condition (a JS expression) until it is truthy; fails after $seconds. */
    public function waitFor(string $condition, float $seconds = 10.0): void
    {
        $deadline = microtime(true) + $seconds;
        do {
            try {
                if ($this->evaluate('!!(' . $condition . ')')) {
                    return;
                }
            } catch (\RuntimeException $navigating) {
                // the page may be between documents while a navigation runs
            }
            usleep(100000);
        } while (microtime(true) < $deadline);
        throw new \RuntimeException(sprintf(
            'timed out after %.0f s waiting for %s (page is %s)',
            $seconds,
            $condition,
            (string) $this->evaluate('location.href')
        ));
    }

    /** Clicks the first element matching the CSS selector, like a user would. */
    public function click(string $selector): void
    {
        $box = $this->evaluate(sprintf(
            '(() => { const e = document.querySelector(%s); if (!e) return null; e.scrollIntoView({block: "center"});'
            . ' const r = e.getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()',
            json_encode($selector)
        ));
        if ($box === null) {
            throw new \RuntimeException('nothing matches ' . $selector . ' on ' . $this->evaluate('location.href'));
        }
        foreach (['mousePressed', 'mouseReleased'] as $type) {
            $this->command('Input.dispatchMouseEvent', [
                'type' => $type, 'x' => $box['x'], 'y' => $box['y'], 'button' => 'left', 'clickCount' => 1,
            ]);
        }
    }

    /** Replaces the value of the input matching $selector by typing $text into it. */
    public function type(string $selector, string $text): void
    {
        $found = $this->evaluate(sprintf(
            '(() => { const e = document.querySelector(%s); if (!e) return false; e.focus(); e.select(); return true; })()',
            json_encode($selector)
        ));
        if (!$found) {
            throw new \RuntimeException('no input matches ' . $selector);
        }
        $this->command('Input.dispatchKeyEvent', ['type' => 'keyDown', 'key' => 'Backspace', 'windowsVirtualKeyCode' => 8]);
        $this->command('Input.dispatchKeyEvent', ['type' => 'keyUp', 'key' => 'Backspace', 'windowsVirtualKeyCode' => 8]);
        if ($text !== '') {
            $this->command('Input.insertText', ['text' => $text]);
        }
    }

    /**
     * Saves a PNG of the whole page to $path, once the page has finished loading: right after a
     * form submit, waitFor() can already see an element of the new document while it is still
     * being parsed, and Chromium refuses to capture a page without layout ("0 width").
     */
    public function screenshot(string $path): void
    {
        $this->waitFor('document.readyState === "complete" && document.documentElement.scrollWidth > 0');
        $reply = $this->command('Page.captureScreenshot', ['format' => 'png', 'captureBeyondViewport' => true]);
        if (!is_dir(dirname($path))) {
            mkdir(dirname($path), 0755, true);
        }
        file_put_contents($path, base64_decode($reply['data']));
    }

    /**
     * The values of every cookie the browser holds (session cookies of the web harness and webmail).
     *
     * @return list<string>
     */
    public function cookieValues(): array
    {
        $cookies = $this->command('Storage.getCookies', [], false)['cookies'] ?? [];
        return array_values(array_map(static fn (array $cookie): string => (string) $cookie['value'], $cookies));
    }

    /** Forgets every cookie, like a visitor who never logged in. */
    public function clearCookies(): void
    {
        $this->command('Network.clearBrowserCookies');
    }

    /**
     * Records every request the page makes from now on (see requestedUrls()).
     */
    public function recordRequests(): void
    {
        $this->command('Network.enable');
    }

    /**
     * URLs the current page session requested since recordRequests(), redirect targets included.
     *
     * @return list<string>
     */
    public function requestedUrls(): array
    {
        $urls = [];
        foreach ($this->events as $event) {
            if ($event['method'] === 'Network.requestWillBeSent' && ($event['sessionId'] ?? '') === $this->sessionId) {
                $urls[] = (string) $event['params']['request']['url'];
            }
        }
        return $urls;
    }

    /**
     * Waits for a page opened by the current one (a link with target="_blank") and continues in it.
     */
    public function switchToNewPage(float $seconds = 10.0): void
    {
        $deadline = microtime(true) + $seconds;
        do {
            foreach ($this->command('Target.getTargets', [], false)['targetInfos'] as $target) {
                if ($target['type'] === 'page' && !in_array($target['targetId'], $this->knownPages, true)) {
                    $this->attach($target['targetId']);
                    return;
                }
            }
            usleep(100000);
        } while (microtime(true) < $deadline);
        throw new \RuntimeException('no new tab opened within ' . $seconds . ' s');
    }

    /** Attaches to the initial page target. */
    private function attachToPage(): void
    {
        foreach ($this->command('Target.getTargets', [], false)['targetInfos'] as $target) {
            if ($target['type'] === 'page') {
                $this->attach($target['targetId']);
                return;
            }
        }
        throw new \RuntimeException('chromium started without a page');
    }

    /** Makes a page target the one every later call talks to, with the test viewport. */
    private function attach(string $targetId): void
    {
        $attached = $this->command('Target.attachToTarget', ['targetId' => $targetId, 'flatten' => true], false);
        $this->knownPages[] = $targetId;
        $this->sessionId = $attached['sessionId'];
        $this->command('Page.enable');
        $this->command('Emulation.setDeviceMetricsOverride', self::VIEWPORT + ['deviceScaleFactor' => 1, 'mobile' => false]);
    }

    /**
     * Sends one DevTools command and returns its result; events that arrive meanwhile are recorded.
     *
     * @param array<string, mixed> $params
     * @return array<string, mixed>
     */
    private function command(string $method, array $params = [], bool $inPage = true): array
    {
        $id = $this->nextId++;
        $message = ['id' => $id, 'method' => $method, 'params' => (object) $params];
        if ($inPage) {
            $message['sessionId'] = $this->sessionId;
        }
        fwrite($this->pipes[3], json_encode($message) . "\0");
        while (true) {
            $reply = $this->readMessage();
            if (!isset($reply['id'])) {
                $this->events[] = $reply;
                continue;
            }
            if ($reply['id'] !== $id) {
                continue;
            }
            if (isset($reply['error'])) {
                throw new \RuntimeException($method . ' failed: ' . $reply['error']['message']);
            }
            return $reply['result'];
        }
    }

    /**
     * Reads the next NUL-terminated JSON message from Chromium.
     *
     * @return array<string, mixed>
     */
    private function readMessage(float $timeoutSeconds = 30.0): array
    {
        $deadline = microtime(true) + $timeoutSeconds;
        while (($end = strpos($this->buffer, "\0")) === false) {
            $read = [$this->pipes[4]];
            $none = null;
            $left = max(0.0, $deadline - microtime(true));
            if ($left === 0.0 || stream_select($read, $none, $none, (int) $left, (int) (fmod($left, 1.0) * 1e6)) < 1) {
                throw new \RuntimeException('chromium did not answer within ' . $timeoutSeconds . ' s');
            }
            $chunk = fread($this->pipes[4], 1 << 20);
            if ($chunk === '' || $chunk === false) {
                throw new \RuntimeException('chromium closed the DevTools pipe; see ' . $this->profileDir . '/chromium.log');
            }
            $this->buffer .= $chunk;
        }
        $json = substr($this->buffer, 0, $end);
        $this->buffer = substr($this->buffer, $end + 1);
        return json_decode($json, true, 512, JSON_THROW_ON_ERROR);
    }
}
