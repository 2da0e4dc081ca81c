<?php

namespace KerioSingle\Harness;

/**
 * The hook registry behind add_hook()/run_hook(). Like WHMCS, the hooks.php of a server module is
 * loaded from a cached module list (the ModuleHooks setting) that is rebuilt only when a product is
 * saved, just before ProductEdit runs (productSaved).
 */
final class Hooks
{
    /** tblconfiguration: the cached list of modules whose hooks.php WHMCS loads on every page. */
    public const MODULE_LIST = 'ModuleHooks';

    /** @var array<string, list<array{0: int, 1: int, 2: callable}>> */
    private static array $hooks = [];
    private static int $sequence = 0;

    /**
     * Includes modules/servers/<module>/hooks.php of every module in the cached module list
     * (ModuleHooks, rebuilt when a product is saved; once each).
     */
    public static function loadModuleHooks(): void
    {
        $modules = array_filter(explode(',', Settings::get(self::MODULE_LIST)));
        foreach ($modules as $module) {
            $file = ModuleLoader::folder((string) $module) . '/hooks.php';
            if (is_file($file)) {
                include_once $file;
            }
        }
    }

    /**
     * A product was saved: the cached module list is rebuilt from the products (creating a product
     * does not do this), its hooks loaded, then the ProductEdit hooks run with `pid` and the product's
     * columns.
     */
    public static function productSaved(int $productId): void
    {
        $modules = \WHMCS\Database\Capsule::table('tblproducts')->where('servertype', '!=', '')->distinct()->pluck('servertype')->all();
        Settings::set(self::MODULE_LIST, implode(',', array_map('strval', $modules)));
        self::loadModuleHooks();
        $product = (array) \WHMCS\Database\Capsule::table('tblproducts')->where('id', $productId)->first();
        self::run('ProductEdit', ['pid' => $productId] + $product);
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
