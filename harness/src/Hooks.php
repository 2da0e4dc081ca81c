<?php

namespace KerioSingle\Harness;

/**
 * The hook registry behind add_hook()/run_hook(). Like WHMCS, the hooks.php of a server module is
 * loaded only once a saved product uses that module (loadModuleHooks).
 */
final class Hooks
{
    /** @var array<string, list<array{0: int, 1: int, 2: callable}>> */
    private static array $hooks = [];
    private static int $sequence = 0;

    /**
     * Includes modules/servers/<module>/hooks.php of every module a saved product uses (once each).
     */
    public static function loadModuleHooks(): void
    {
        $modules = \WHMCS\Database\Capsule::table('tblproducts')->where('servertype', '!=', '')->distinct()->pluck('servertype');
        foreach ($modules as $module) {
            $file = ModuleLoader::folder((string) $module) . '/hooks.php';
            if (is_file($file)) {
                include_once $file;
            }
        }
    }

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
