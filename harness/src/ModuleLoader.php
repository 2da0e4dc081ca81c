<?php

namespace KerioSingle\Harness;

/**
 * Loads server modules from ROOTDIR/modules/servers/<name>/<name>.php once per process and calls
 * their functions the way WHMCS does (`<name>_<Function>`, existence checked first).
 */
final class ModuleLoader
{
    /** What WHMCS answers for a function the module does not define. */
    public const NOT_SUPPORTED = 'Function Not Supported by Module';

    /** @var array<string, string> module name => folder, for modules installed outside ROOTDIR (test probes) */
    private static array $folders = [];

    /**
     * Installs a module that lives outside ROOTDIR/modules/servers (e.g. a test's probe module,
     * so a product can use "another module").
     */
    public static function install(string $module, string $folder): void
    {
        self::$folders[self::checkedName($module)] = rtrim($folder, '/');
    }

    /** The module's folder (modules/servers/<module>, or where install() put it). */
    public static function folder(string $module): string
    {
        $module = self::checkedName($module);
        return self::$folders[$module] ?? ROOTDIR . '/modules/servers/' . $module;
    }

    /** Includes the module file (include_once, like WHMCS). */
    public static function load(string $module): void
    {
        $file = self::folder($module) . '/' . $module . '.php';
        if (!is_file($file)) {
            throw new \RuntimeException('Module file ' . $file . ' not found.');
        }
        include_once $file;
    }

    /** True when the module defines `<module>_<function>`. */
    public static function supports(string $module, string $function): bool
    {
        self::load($module);
        return function_exists($module . '_' . $function);
    }

    /**
     * Calls `<module>_<function>(...$args)`; NOT_SUPPORTED when it does not exist.
     *
     * @param mixed ...$args
     * @return mixed
     */
    public static function call(string $module, string $function, ...$args)
    {
        if (!self::supports($module, $function)) {
            return self::NOT_SUPPORTED;
        }
        return call_user_func($module . '_' . $function, ...$args);
    }

    /**
     * The module's MetaData array ([] when it has none).
     *
     * @return array<string, mixed>
     */
    public static function metaData(string $module): array
    {
        $meta = self::supports($module, 'MetaData') ? self::call($module, 'MetaData') : [];
        return is_array($meta) ? $meta : [];
    }

    private static function checkedName(string $module): string
    {
        if (preg_match('/^[0-9a-z_-]+$/i', $module) !== 1) {
            throw new \InvalidArgumentException('Invalid module name "' . $module . '".');
        }
        return $module;
    }
}
