<?php

namespace KerioSingle\Harness\Web;

/**
 * An HTTP response the router sends: status, headers, body.
 */
final class Response
{
    /** @var array<string, string> */
    public array $headers;
    public int $status;
    public string $body;

    /**
     * @param array<string, string> $headers
     */
    public function __construct(int $status, string $body, array $headers = [])
    {
        $this->status = $status;
        $this->body = $body;
        $this->headers = $headers + ['Content-Type' => 'text/html; charset=utf-8'];
    }

    /** A 302 to $location. */
    public static function redirect(string $location): self
    {
        return new self(302, '', ['Location' => $location]);
    }

    /** Writes status, headers and body to the client. */
    public function send(): void
    {
        http_response_code($this->status);
        foreach ($this->headers as $name => $value) {
            header($name . ': ' . $value);
        }
        echo $this->body;
    }
}
