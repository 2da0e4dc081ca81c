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

    /** @param array<string, mixed> $results */
    public static function writeJson(string $file, array $results): void
    {
        file_put_contents($file, json_encode($results, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES) . "\n");
    }
}
