<?php

namespace KerioSingle\Harness;

/**
 * Stand-in for WHMCS's encrypt()/decrypt(): reversible, keyed by the installation's encryption hash
 * (KS_HARNESS_ENCRYPTION_HASH, like cc_encryption_hash in configuration.php), a fresh nonce per call
 * so the same plain text never gives the same cipher text. The algorithm differs from WHMCS's
 * (internal to WHMCS); modules must only use the two functions.
 */
final class Crypto
{
    private const DEFAULT_HASH = 'kerioSingle-harness-encryption-hash';

    /** Encrypts; '' stays '' (WHMCS stores empty passwords as ''). */
    public static function encrypt(string $plain): string
    {
        if ($plain === '') {
            return '';
        }
        $nonce = random_bytes(SODIUM_CRYPTO_SECRETBOX_NONCEBYTES);
        return base64_encode($nonce . sodium_crypto_secretbox($plain, $nonce, self::key()));
    }

    /** Decrypts; '' for '' or for anything that is not our cipher text. */
    public static function decrypt(string $cipher): string
    {
        $raw = base64_decode($cipher, true);
        if ($raw === false || strlen($raw) <= SODIUM_CRYPTO_SECRETBOX_NONCEBYTES) {
            return '';
        }
        $nonce = substr($raw, 0, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES);
        $plain = sodium_crypto_secretbox_open(substr($raw, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES), $nonce, self::key());
        return $plain === false ? '' : $plain;
    }

    private static function key(): string
    {
        $hash = getenv('KS_HARNESS_ENCRYPTION_HASH');
        return hash('sha256', is_string($hash) && $hash !== '' ? $hash : self::DEFAULT_HASH, true);
    }
}
