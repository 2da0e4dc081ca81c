<?php

namespace KerioSingle\Harness;

use WHMCS\Database\Capsule;

/**
 * WHMCS's provisioning dispatcher (admin button, cron, API): builds params, runs the module
 * function, treats the result as success only when it `== 'success'`, updates the service status,
 * writes the activity log, and queues failures in tblmodulequeue for a retry.
 *
 * Like WHMCS, only \Exception is caught (its message becomes the error); a PHP \Error escapes.
 */
final class Dispatcher
{
    /** WHMCS action verb => module function. */
    private const FUNCTIONS = [
        'create' => 'CreateAccount',
        'suspend' => 'SuspendAccount',
        'unsuspend' => 'UnsuspendAccount',
        'terminate' => 'TerminateAccount',
        'changepw' => 'ChangePassword',
        'upgrade' => 'ChangePackage',
    ];
    private const DEFAULT_SUSPEND_REASON = 'Overdue on Payment';

    /**
     * Runs one module action for a service and returns what WHMCS would show: 'success' or the error.
     *
     * @param string               $action one of create, suspend, unsuspend, terminate, changepw, upgrade
     * @param array<string, mixed> $extra  additional params (e.g. suspendreason)
     */
    public static function run(int $serviceId, string $action, array $extra = []): string
    {
        $function = self::FUNCTIONS[$action] ?? null;
        if ($function === null) {
            throw new \InvalidArgumentException('Unknown module action "' . $action . '".');
        }
        $module = self::moduleOf($serviceId);
        if ($action === 'create') {
            UsernameGenerator::prepare($serviceId, $module);
        }
        $params = ParamsBuilder::forService($serviceId, $module) + ['action' => $action];
        if ($action === 'suspend') {
            $params['suspendreason'] = (string) ($extra['suspendreason'] ?? self::DEFAULT_SUSPEND_REASON);
        }
        $params = array_replace($params, $extra);
        $GLOBALS['moduleparams'] = $params;
        try {
            $result = ModuleLoader::call($module, $function, $params);
        } catch (\Exception $exception) {
            $result = $exception->getMessage();
        }
        $succeeded = $result == 'success';
        if ($succeeded) {
            self::applySuccess($serviceId, $action, $params);
            ActivityLog::add('Module ' . self::verb($function) . ' Successful - Service ID: ' . $serviceId, (int) $params['userid']);
            self::completeQueue($serviceId, $function);
            return 'success';
        }
        $error = is_string($result) ? $result : 'An unknown error occurred';
        ActivityLog::add('Module ' . self::verb($function) . ' Failed - Service ID: ' . $serviceId . ' - Error: ' . $error, (int) $params['userid']);
        self::queueFailure($serviceId, $module, $function, $error);
        return $error;
    }

    /** The module (tblproducts.servertype) of the service's product. */
    public static function moduleOf(int $serviceId): string
    {
        return (string) Capsule::table('tblhosting as h')->join('tblproducts as p', 'p.id', '=', 'h.packageid')
            ->where('h.id', $serviceId)->value('p.servertype');
    }

    /**
     * @param array<string, mixed> $params
     */
    private static function applySuccess(int $serviceId, string $action, array $params): void
    {
        $changes = [
            'create' => ['domainstatus' => 'Active', 'termination_date' => '0000-00-00'],
            'suspend' => ['domainstatus' => 'Suspended', 'suspendreason' => self::storedSuspendReason($params)],
            'unsuspend' => ['domainstatus' => 'Active', 'suspendreason' => ''],
            'terminate' => ['domainstatus' => 'Terminated', 'termination_date' => date('Y-m-d')],
        ];
        if (isset($changes[$action])) {
            Capsule::table('tblhosting')->where('id', $serviceId)->update($changes[$action]);
        }
    }

    /**
     * WHMCS stores the reason blank when it is the automatic overdue one.
     *
     * @param array<string, mixed> $params
     */
    private static function storedSuspendReason(array $params): string
    {
        $reason = (string) ($params['suspendreason'] ?? '');
        return $reason === self::DEFAULT_SUSPEND_REASON ? '' : $reason;
    }

    private static function queueFailure(int $serviceId, string $module, string $function, string $error): void
    {
        $now = date('Y-m-d H:i:s');
        $query = Capsule::table('tblmodulequeue')->where('service_type', 'service')->where('service_id', $serviceId)
            ->where('module_action', $function)->where('completed', 0);
        if ($query->exists()) {
            $query->update(['last_attempt' => $now, 'last_attempt_error' => $error, 'updated_at' => $now,
                'num_retries' => Capsule::raw('num_retries + 1')]);
            return;
        }
        Capsule::table('tblmodulequeue')->insert([
            'service_type' => 'service', 'service_id' => $serviceId, 'module_name' => $module, 'module_action' => $function,
            'last_attempt' => $now, 'last_attempt_error' => $error, 'num_retries' => 0, 'completed' => 0,
            'created_at' => $now, 'updated_at' => $now,
        ]);
    }

    private static function completeQueue(int $serviceId, string $function): void
    {
        Capsule::table('tblmodulequeue')->where('service_type', 'service')->where('service_id', $serviceId)
            ->where('module_action', $function)->update(['completed' => 1, 'updated_at' => date('Y-m-d H:i:s')]);
    }

    /** "CreateAccount" → "Create", as in WHMCS's log lines. */
    private static function verb(string $function): string
    {
        return preg_replace('/Account$/', '', $function) ?? $function;
    }
}
