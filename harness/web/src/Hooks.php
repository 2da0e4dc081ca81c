<?php

namespace KerioSingle\Harness\Web;

/**
 * The hook registry behind add_hook()/run_hook().
 */
final class Hooks
{
    /** @var array<string, list<array{0: int, 1: int, 2: callable}>> */
    private static array $hooks = [];
    private static int $sequence = 0;

    /** Registers $callback for $hookPoint. */
    public static function add(string $hookPoint, int $priority, callable $callback): void
    {
        self::$hooks[$hookPoint][] = [$priority, self::$sequence++, $callback];
    }

    /**
     * Calls the callbacks of $hookPoint in priority (then registration) order.
     *
     * @param array<string, mixed> $vars
     * @return list<mixed> the non-empty returns
     */
    public static function run(string $hookPoint, array $vars): array
    {
        $callbacks = self::$hooks[$hookPoint] ?? [];
        usort($callbacks, static fn (array $a, array $b): int => [$a[0], $a[1]] <=> [$b[0], $b[1]]);
        $results = [];
        foreach ($callbacks as [, , $callback]) {
            $result = $callback($vars);
            if ($result !== null && $result !== '' && $result !== []) {
                $results[] = $result;
            }
        }
        return $results;
    }
}
