<?php

namespace KerioSingle\Bench;

/**
 * The bench's figures next to their targets: a table on stdout and bench/results.json.
 */
final class Report
{
    /** @var list<array{0: string, 1: string, 2: string, 3: ?bool}> rows; met null = a figure without a target */
    private array $rows = [];

    /** Adds one line: what, measured, target, met. */
    public function add(string $figure, string $measured, string $target, ?bool $met): void
    {
        $this->rows[] = [$figure, $measured, $target, $met];
    }

    /** The table as text. */
    public function table(): string
    {
        $widths = [50, 28, 12];
        $line = static fn (array $cells): string => str_pad($cells[0], $widths[0]) . str_pad($cells[1], $widths[1])
            . str_pad($cells[2], $widths[2]) . $cells[3] . "\n";
        $text = $line(['Figure', 'Measured', 'Target', 'Met']) . str_repeat('-', 94) . "\n";
        foreach ($this->rows as [$figure, $measured, $target, $met]) {
            $text .= $line([$figure, $measured, $target, $met === null ? '-' : ($met ? 'yes' : 'NO')]);
        }
        return $text;
    }

    /** How many targets were missed. */
    public function missed(): int
    {
        return count(array_filter($this->rows, static fn (array $row): bool => $row[3] === false));
    }

    /**
     * The three distances side by side: per action its exchanges and, at each RTT, wall time / floor
     * (exchanges + 2) x RTT; then UsageUpdate 10,000 vs the baseline and the engine overhead.
     *
     * @param array<int, array<string, mixed>> $distances Distance::measure() results by RTT
     */
    public static function distanceTable(array $distances): string
    {
        $rtts = array_keys($distances);
        $line = static function (string $label, array $cells): string {
            return str_pad($label, 30) . implode('', array_map(static fn (string $cell): string => str_pad($cell, 26), $cells)) . "\n";
        };
        $text = $line('ms: wall / floor', array_map(static fn (int $rtt): string => "RTT {$rtt} ms", $rtts));
        $text .= str_repeat('-', 30 + 26 * count($rtts)) . "\n";
        foreach (array_keys(reset($distances)['actions']) as $action) {
            $cells = array_map(static fn (array $d): string => sprintf('%.1f / %.0f', $d['actions'][$action]['ms'], $d['actions'][$action]['floor_ms']), $distances);
            $text .= $line($action . ' (' . reset($distances)['actions'][$action]['exchanges'] . ' exch.)', $cells);
        }
        $text .= $line('usage 10k: s (baseline s)', array_map(static fn (array $d): string => sprintf('%.2f (%.1f%s)', $d['usage']['seconds'],
            $d['baseline']['seconds'], $d['baseline']['scaled_from'] === null ? '' : ' scaled'), $distances));
        $text .= $line('usage 10k: speed-up', array_map(static fn (array $d): string => sprintf('%.0fx', Distance::speedup($d)), $distances));
        $text .= $line('engine overhead (share)', array_map(static fn (array $d): string => sprintf('%.2f ms (%.1f %%)', $d['overhead']['median'],
            100 * $d['overhead']['share_of_action']), $distances));
        $text .= $line('engine run / PHP process start', array_map(static fn (array $d): string => sprintf('%.1f / %.1f ms', $d['overhead']['engine_median_ms'],
            $d['overhead']['process_start_ms']), $distances));
        return $text;
    }

    /**
     * UsageUpdate on loopback from 100 to 100,000 services.
     *
     * @param list<array<string, mixed>> $growth UsageAtScale::measure() results
     */
    public static function growthTable(array $growth): string
    {
        $text = sprintf("%-12s%-10s%-12s%-12s%-14s%s\n", 'mailboxes', 'seconds', 'exchanges', 'engine MB', 'PHP peak MB', 'us/mailbox');
        foreach ($growth as $g) {
            $text .= sprintf("%-12d%-10.3f%-12d%-12.1f%-14.1f%.1f\n", $g['mailboxes'], $g['seconds'], $g['exchanges'], $g['peak_rss_mb'],
                $g['php_peak_mb'], 1e6 * $g['seconds'] / $g['mailboxes']);
        }
        return $text;
    }

    /** @param array<string, mixed> $results */
    public static function writeJson(string $file, array $results): void
    {
        file_put_contents($file, json_encode($results, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES) . "\n");
    }
}
