<?php

namespace WHMCS\Module\Server\kerioSingle;

use Illuminate\Database\Schema\Blueprint;
use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * What a Kerio server answered to the product page's question (test_connection for the Domains),
 * kept per server and question in `mod_keriosingle_answers` for a few minutes: WHMCS calls
 * ConfigOptions twice per Module Settings load, again on every Save, and the Loader too, so the
 * product page asks Kerio at most once in that time. A failure is kept for a shorter time, so a
 * server that is down costs one short wait, not one per call.
 */
final class ServerAnswerCache
{
    /** The table (created on first use). */
    public const TABLE = 'mod_keriosingle_answers';
    /** Seconds an answer is reused. */
    public const LIFETIME = 300;
    /** Seconds a failure (no answer) is reused. */
    public const FAILURE_LIFETIME = 60;

    /**
     * The kept answer to $question, or $ask's when none is kept (then kept).
     *
     * @param string                    $question what identifies the server and the question
     * @param callable(): array<string, mixed> $ask asks Kerio; throws when it gets no answer
     * @return array<string, mixed>
     * @throws SettingsError naming why Kerio gave no answer (also when that failure is kept)
     */
    public static function answer(string $question, callable $ask): array
    {
        self::ensureTable();
        $key = hash('sha256', $question);
        $row = Capsule::table(self::TABLE)->where('cache_key', $key)->where('expires_at', '>=', time())->first();
        $kept = $row === null ? null : json_decode((string) $row->answer, true);
        if (!is_array($kept)) {
            $kept = self::ask($ask);
            Capsule::table(self::TABLE)->where('expires_at', '<', time())->orWhere('cache_key', $key)->delete();
            Capsule::table(self::TABLE)->insert([
                'cache_key' => $key,
                'answer' => (string) json_encode($kept),
                'expires_at' => time() + (isset($kept['error']) ? self::FAILURE_LIFETIME : self::LIFETIME),
            ]);
        }
        if (isset($kept['error'])) {
            throw new SettingsError((string) $kept['error']);
        }
        return (array) ($kept['answer'] ?? []);
    }

    /**
     * @param callable(): array<string, mixed> $ask
     * @return array{answer?: array<string, mixed>, error?: string}
     */
    private static function ask(callable $ask): array
    {
        try {
            return ['answer' => $ask()];
        } catch (\Throwable $error) {
            return ['error' => $error instanceof EngineError ? $error->describe() : $error->getMessage()];
        }
    }

    private static function ensureTable(): void
    {
        ModuleTable::ensure(self::TABLE, static function (Blueprint $table): void {
            $table->char('cache_key', 64)->primary();
            $table->mediumText('answer');
            $table->unsignedInteger('expires_at')->index();
        });
    }
}
