<?php

namespace KerioSingle\Harness;

/**
 * Renders module templates with Smarty 4 (Debian smarty4) the way WHMCS 8 does:
 *
 * - the name a module returns (`templatefile`, `tabOverviewReplacementTemplate`, …) is resolved
 *   relative to the module folder exactly as given, `templates/` prefix included (".tpl" optional):
 *   ROOTDIR/templates/<theme>/modules/servers/<module>/NAME.tpl (the theme's override), then
 *   <module>/templates/<theme>/NAME.tpl, <module>/templates/NAME.tpl, <module>/NAME.tpl;
 * - under a Smarty security policy like WHMCS's: no {php}, no static class access, no super globals,
 *   only a handful of harmless PHP functions (isset, empty, count, in_array, is_array) and modifiers.
 */
final class Templates
{
    /** The client theme the harness pretends to run. */
    public const THEME = 'twenty-one';
    private const SMARTY = '/usr/share/php/smarty4/Smarty.class.php';

    /** Where theme folders live (WHMCS: ROOTDIR/templates); tests may point it elsewhere. */
    private static ?string $themesRoot = null;

    /**
     * @param array<string, mixed> $variables
     * @throws \RuntimeException when no template file matches (WHMCS prints "Template File … Not Found")
     * @throws \SmartyException when the template breaks the security policy
     */
    public static function render(string $module, string $name, array $variables): string
    {
        require_once self::SMARTY;
        $smarty = new \Smarty();
        $cache = sys_get_temp_dir() . '/kerio-single-harness-smarty-' . getmypid();
        $smarty->setCompileDir($cache)->setCacheDir($cache);
        $file = self::find($module, $name);
        $smarty->enableSecurity(self::securityPolicy($smarty, dirname($file)));
        $smarty->registerPlugin('function', 'lang', [self::class, 'langPlugin']);
        $smarty->assign($variables);
        return $smarty->fetch($file);
    }

    /** Points theme lookups at another folder (null: ROOTDIR/templates). */
    public static function useThemesRoot(?string $folder): void
    {
        self::$themesRoot = $folder;
    }

    /**
     * `{lang key=…}`: the page's $LANG entry, or the key.
     *
     * @param array<string, mixed> $args
     */
    public static function langPlugin(array $args, \Smarty_Internal_Template $template): string
    {
        $lang = (array) $template->getTemplateVars('LANG');
        $key = (string) ($args['key'] ?? '');
        return htmlspecialchars((string) ($lang[$key] ?? $key), ENT_QUOTES);
    }

    /** The policy: templates (from $folder only) may format data, never run PHP. */
    private static function securityPolicy(\Smarty $smarty, string $folder): \Smarty_Security
    {
        $policy = new \Smarty_Security($smarty);
        $policy->secure_dir = [$folder];
        $policy->php_functions = ['isset', 'empty', 'count', 'in_array', 'is_array'];
        $policy->php_modifiers = ['escape', 'count', 'nl2br'];
        $policy->static_classes = null;
        $policy->allow_super_globals = false;
        $policy->allow_constants = false;
        $policy->streams = null;
        return $policy;
    }

    private static function find(string $module, string $name): string
    {
        $relative = preg_replace('/\.tpl$/', '', $name) . '.tpl';
        $moduleDir = ModuleLoader::folder($module);
        $candidates = [
            (self::$themesRoot ?? ROOTDIR . '/templates') . '/' . self::THEME . '/modules/servers/' . $module . '/' . $relative,
            $moduleDir . '/templates/' . self::THEME . '/' . $relative,
            $moduleDir . '/templates/' . $relative,
            $moduleDir . '/' . $relative,
        ];
        foreach ($candidates as $candidate) {
            if (strpos($relative, '..') === false && is_file($candidate)) {
                return $candidate;
            }
        }
        throw new \RuntimeException('Template File "' . $name . '" Not Found');
    }
}
