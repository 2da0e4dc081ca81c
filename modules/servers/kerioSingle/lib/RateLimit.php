<?php

namespace WHMCS\Module\Server\kerioSingle;

use Illuminate\Database\QueryException;
use Illuminate\Database\Schema\Blueprint;
use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * Requests per client and minute for the module's anonymous endpoint (rules.php), counted in the
 * WHMCS database table mod_keriosingle_rate so that every PHP worker shares the count. A client is
 * an IPv4 address, or an IPv6 /64 (one customer line usually gets a whole /64, so counting full IPv6
 * addresses would let one visitor rotate past the limit). Windows are whole clock minutes; rows of
 * past minutes are removed as new minutes start.
 */
final class RateLimit
{
    /** Table created on first use. */
    public const TABLE = 'mod_keriosingle_rate';
    /** Requests one address may make per minute. */
    public const PER_MINUTE = 30;

    /** Leading bits of an IPv6 address that name one client (a /64 network). */
    private const IPV6_CLIENT_BITS = 64;

    /**
     * Counts one request of $ip and tells whether it is within the limit.
     */
    public static function allow(string $ip): bool
    {
        self::ensureTable();
        $minute = intdiv(time(), 60);
        $address = self::clientOf($ip);
        if (self::increment($address, $minute) === 0) {
            self::startWindow($address, $minute);
        }
        $hits = (int) Capsule::table(self::TABLE)->where('ip', $address)->where('minute', $minute)->value('hits');
        return $hits <= self::PER_MINUTE;
    }

    /**
     * The key one client's requests are counted under: an IPv4 address as it is (also when written
     * as an IPv4-mapped IPv6 address), an IPv6 address as its /64 network (`2001:db8:1:2::/64`),
     * anything else as given (cut to the column's 45 characters).
     */
    public static function clientOf(string $ip): string
    {
        $packed = @inet_pton(trim($ip));
        if ($packed === false) {
            return substr($ip, 0, 45);
        }
        if (strlen($packed) === 16 && strncmp($packed, str_repeat("\0", 10) . "\xff\xff", 12) === 0) {
            $packed = substr($packed, 12);
        }
        if (strlen($packed) === 4) {
            return (string) inet_ntop($packed);
        }
        $network = substr($packed, 0, intdiv(self::IPV6_CLIENT_BITS, 8)) . str_repeat("\0", 16 - intdiv(self::IPV6_CLIENT_BITS, 8));
        return inet_ntop($network) . '/' . self::IPV6_CLIENT_BITS;
    }

    /** Seconds until the current window ends (the Retry-After of a refused request). */
    public static function secondsUntilNextWindow(): int
    {
        return 60 - time() % 60;
    }

    /** Adds one hit to an existing row; the number of rows changed (0 = none yet this minute). */
    private static function increment(string $ip, int $minute): int
    {
        return Capsule::table(self::TABLE)->where('ip', $ip)->where('minute', $minute)->increment('hits');
    }

    /**
     * The first hit of a minute: drops older minutes, inserts the row; a concurrent first hit that
     * inserted it already turns this into an increment.
     */
    private static function startWindow(string $ip, int $minute): void
    {
        Capsule::table(self::TABLE)->where('minute', '<', $minute)->delete();
        try {
            Capsule::table(self::TABLE)->insert(['ip' => $ip, 'minute' => $minute, 'hits' => 1]);
        } catch (QueryException $alreadyThere) {
            self::increment($ip, $minute);
        }
    }

    private static function ensureTable(): void
    {
        $schema = Capsule::schema();
        if ($schema->hasTable(self::TABLE)) {
            return;
        }
        $schema->create(self::TABLE, static function (Blueprint $table): void {
            $table->string('ip', 45);
            $table->unsignedInteger('minute')->index();
            $table->unsignedInteger('hits');
            $table->primary(['ip', 'minute']);
        });
    }
}
