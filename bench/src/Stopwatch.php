<?php

namespace KerioSingle\Bench;

/**
 * Wall-clock measurements and the statistics the report uses.
 */
final class Stopwatch
{
    /**
     * Runs $work and returns [its result, elapsed milliseconds].
     *
     * @template T
     * @param callable(): T $work
     * @return array{0: T, 1: float}
     */
    public static function time(callable $work): array
    {
        $started = hrtime(true);
        $result = $work();
        return [$result, (hrtime(true) - $started) / 1e6];
    }

    /**
     * The median of a non-empty list.
     *
     * @param list<float> $values
     */
    public static function median(array $values): float
    {
        sort($values);
        $middle = intdiv(count($values), 2);
        return count($values) % 2 === 1 ? $values[$middle] : ($values[$middle - 1] + $values[$middle]) / 2;
    }
}
