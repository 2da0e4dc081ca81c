<?php

namespace KerioSingle\Harness;

use WHMCS\Database\Capsule;

/**
 * The daily cron's "Server Usage Stats" task, run only when Automation Settings > "Update usage
 * statistics" (setting UpdateStatsAuto) is on: for every enabled server, load its module and call
 * UsageUpdate once with server params only; a truthy non-'success' return is logged as WHMCS does.
 */
final class Cron
{
    /** tblconfiguration setting behind Automation Settings > "Update usage statistics" ('on' / ''). */
    public const SETTING = 'UpdateStatsAuto';

    /**
     * The daily automation run: the usage task, then, at the very end, the `DailyCronJob` hook point
     * (no input parameters, no response; developers.whmcs.com hooks-reference/cron) with the hooks
     * loaded as on any request.
     *
     * @return array<int, mixed> what updateServerUsage() returned
     */
    public static function daily(): array
    {
        $results = self::updateServerUsage();
        Hooks::loadModuleHooks();
        run_hook('DailyCronJob', []);
        return $results;
    }

    /**
     * Runs the task.
     *
     * @return array<int, mixed> server id => what the module returned; [] when the task is switched off
     */
    public static function updateServerUsage(): array
    {
        $results = [];
        if (Settings::get(self::SETTING) !== 'on') {
            return $results;
        }
        foreach (Capsule::table('tblservers')->where('disabled', 0)->orderBy('id')->get() as $server) {
            $module = (string) $server->type;
            if (!ModuleLoader::supports($module, 'UsageUpdate')) {
                continue;
            }
            $result = ModuleLoader::call($module, 'UsageUpdate', ParamsBuilder::forServer((int) $server->id, $module));
            if ($result && $result !== 'success') {
                ActivityLog::add('Server Usage Update Failed: ' . (is_string($result) ? $result : print_r($result, true))
                    . ' - Server ID: ' . $server->id);
            }
            $results[(int) $server->id] = $result;
        }
        return $results;
    }
}
