<?php

namespace KerioSingle\Harness\Web;

/**
 * Renders the web harness's own page templates (harness/web/templates) with Smarty 4, with
 * automatic HTML escaping of every variable (`nofilter` only for HTML the module produced).
 */
final class View
{
    private const SMARTY = '/usr/share/php/smarty4/Smarty.class.php';

    /**
     * @param array<string, mixed> $variables
     */
    public static function render(string $template, array $variables): string
    {
        require_once self::SMARTY;
        $smarty = new \Smarty();
        $cache = sys_get_temp_dir() . '/kerio-single-web-smarty-' . get_current_user();
        $smarty->setTemplateDir(dirname(__DIR__) . '/templates')->setCompileDir($cache)->setCacheDir($cache);
        $smarty->escape_html = true;
        $smarty->assign($variables);
        return $smarty->fetch($template);
    }
}
