<?php
/**
 * WHMCS's hook functions for the web harness: add_hook() registers, run_hook() calls every
 * callback of a hook point in priority order and collects their non-empty returns.
 */

use KerioSingle\Harness\Web\Hooks;

if (!function_exists('add_hook')) {
    /**
     * Registers a callback for a hook point (lower priority runs first).
     */
    function add_hook($hookPoint, $priority, $callback)
    {
        Hooks::add((string) $hookPoint, (int) $priority, $callback);
    }
}

if (!function_exists('run_hook')) {
    /**
     * Runs a hook point.
     *
     * @return list<mixed>
     */
    function run_hook($hookPoint, $vars)
    {
        return Hooks::run((string) $hookPoint, (array) $vars);
    }
}
