<?php

namespace KerioSingle\Harness;

/**
 * WHMCS's localAPI() for the commands the harness knows.
 */
final class LocalApi
{
    /**
     * @param array<string, mixed> $values
     * @return array<string, mixed>
     */
    public static function call(string $command, array $values): array
    {
        switch (strtolower($command)) {
            case 'encryptpassword':
                return ['result' => 'success', 'password' => Crypto::encrypt((string) ($values['password2'] ?? ''))];
            case 'decryptpassword':
                return ['result' => 'success', 'password' => Crypto::decrypt((string) ($values['password2'] ?? ''))];
            case 'getclientsdetails':
                $client = ParamsBuilder::clientDetails((int) ($values['clientid'] ?? 0));
                return $client === [] ? ['result' => 'error', 'message' => 'Client Not Found']
                    : ['result' => 'success', 'client' => $client] + $client;
            default:
                return ['result' => 'error', 'message' => 'Command Not Found'];
        }
    }
}
