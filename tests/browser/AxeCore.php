<?php

declare(strict_types=1);

namespace KerioSingle\Tests\Browser;

/**
 * axe-core (npm, version pinned in tests/browser/axe/package-lock.json) for the accessibility
 * checks: installed with `npm ci` on first use, so a fresh Debian 12 machine (nodejs + npm from
 * scripts/install-deps.sh) gets it, then injected into the page under test.
 */
final class AxeCore
{
    /** Impacts that fail a test. */
    public const FAILING_IMPACTS = ['serious', 'critical'];

    /** The axe.min.js source (installed on first use). */
    public static function script(): string
    {
        $dir = __DIR__ . '/axe';
        $file = $dir . '/node_modules/axe-core/axe.min.js';
        if (!is_file($file)) {
            $output = [];
            exec('npm ci --prefix ' . escapeshellarg($dir) . ' --no-audit --no-fund 2>&1', $output, $status);
            if ($status !== 0 || !is_file($file)) {
                throw new \RuntimeException('npm ci of axe-core failed (is npm installed? scripts/install-deps.sh): ' . implode("\n", $output));
            }
        }
        return (string) file_get_contents($file);
    }

    /**
     * Runs axe on the browser's current page (WCAG 2 A/AA rules) and returns the findings whose
     * impact is serious or critical, as "rule: target (impact)" lines.
     *
     * @return list<string>
     */
    public static function seriousFindings(Browser $browser): array
    {
        $browser->evaluate(self::script() . ';true');
        $violations = (array) $browser->evaluate(
            'axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})'
            . '.then(r => r.violations.map(v => ({id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(" "))})))'
        );
        $findings = [];
        foreach ($violations as $violation) {
            if (in_array($violation['impact'] ?? '', self::FAILING_IMPACTS, true)) {
                $findings[] = $violation['id'] . ': ' . implode(', ', (array) $violation['targets']) . ' (' . $violation['impact'] . ')';
            }
        }
        return $findings;
    }
}
