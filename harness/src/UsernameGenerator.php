<?php

namespace KerioSingle\Harness;

use WHMCS\Database\Capsule;

/**
 * WHMCS's CreateAccount pre-step: when the service has no username/password, generate them and save
 * them before the module runs — unless the module's MetaData sets AutoGenerateUsernameAndPassword
 * to false (kerioSingle does: the address and the customer's password are written by the module).
 */
final class UsernameGenerator
{
    private const PASSWORD_PARTS = ['abcdefghijkmnopqrstuvwxyz' => 4, 'ABCDEFGHJKLMNPQRSTUVWXYZ' => 4, '23456789' => 4, '!@#$%^*()' => 2];

    /** Fills an empty username/password of the service as WHMCS would. */
    public static function prepare(int $serviceId, string $module): void
    {
        if ((ModuleLoader::metaData($module)['AutoGenerateUsernameAndPassword'] ?? true) === false) {
            return;
        }
        $service = Capsule::table('tblhosting')->where('id', $serviceId)->first();
        $changes = [];
        if ((string) $service->username === '') {
            $changes['username'] = self::username((string) $service->domain);
        }
        if ((string) $service->password === '') {
            $changes['password'] = Crypto::encrypt(self::password());
        }
        if ($changes !== []) {
            Capsule::table('tblhosting')->where('id', $serviceId)->update($changes);
        }
    }

    /** First 8 letters of the domain, lower-case (WHMCS then makes it unique with a suffix). */
    private static function username(string $domain): string
    {
        return substr((string) preg_replace('/[^a-z]/', '', strtolower($domain)), 0, 8);
    }

    /** 4 lower + 4 upper + 4 digits + 2 symbols, shuffled (WHMCS's default format). */
    private static function password(): string
    {
        $characters = [];
        foreach (self::PASSWORD_PARTS as $alphabet => $count) {
            for ($i = 0; $i < $count; $i++) {
                $characters[] = $alphabet[random_int(0, strlen($alphabet) - 1)];
            }
        }
        shuffle($characters);
        return implode('', $characters);
    }
}
