<?php

namespace KerioSingle\Harness;

/**
 * Renders module templates with Smarty 4 (Debian smarty4), resolving names like WHMCS:
 * templates/<theme>/modules/servers/<module>/X.tpl, then modules/servers/<module>/templates/<theme>/X.tpl,
 * modules/servers/<module>/templates/X.tpl, modules/servers/<module>/X.tpl (".tpl" and "templates/" optional).
 */
final class Templates
{
    /** The client theme the harness pretends to run. */
    public const THEME = 'twenty-one';
    private const SMARTY = '/usr/share/php/smarty4/Smarty.class.php';

    /**
     * @param array<string, mixed> $variables
     * @throws \RuntimeException when no template file matches (WHMCS prints "Template File … Not Found")
     */
    public static function render(string $module, string $name, array $variables): string
    {
        require_once self::SMARTY;
        $smarty = new \Smarty();
        $cache = sys_get_temp_dir() . '/kerio-single-harness-smarty-' . getmypid();
        $smarty->setCompileDir($cache)->setCacheDir($cache);
        $smarty->registerPlugin('function', 'lang', [self::class, 'langPlugin']);
        $smarty->assign($variables);
        return $smarty->fetch(self::find($module, $name));
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

    private static function find(string $module, string $name): string
    {
        $base = preg_replace('/\.tpl$/', '', preg_replace('#^templates/#', '', $name)) . '.tpl';
        $moduleDir = ROOTDIR . '/modules/servers/' . $module;
        $candidates = [
            ROOTDIR . '/templates/' . self::THEME . '/modules/servers/' . $module . '/' . $base,
            $moduleDir . '/templates/' . self::THEME . '/' . $base,
            $moduleDir . '/templates/' . $base,
            $moduleDir . '/' . $base,
        ];
        foreach ($candidates as $candidate) {
            if (is_file($candidate)) {
                return $candidate;
            }
        }
        throw new \RuntimeException('Template File "' . $name . '" Not Found');
    }
}
