<?php
/**
 * One WHMCS module action in its own process, against the WHMCS database the parent test set up
 * (KS_DB_* from the environment, tables left as they are) and the engine named by KERIO_SINGLE_BIN:
 * what a cron run or a second admin does beside the first. Used by ConcurrencyTest.
 *
 *   php module-action.php SERVICE_ID ACTION [NEW_PRODUCT_ID|NEW_PASSWORD|ALIAS]
 *   ACTION: create, suspend, unsuspend, terminate, changepw, upgrade, cron, addalias (the customer's
 *   client-area AddAlias with the session's CSRF token)
 *
 * Prints one JSON line: {"service": id, "action": "...", "result": "success" | error}.
 */

require_once dirname(__DIR__, 3) . '/harness/bootstrap.php';

use KerioSingle\Harness\Database;
use KerioSingle\Harness\Whmcs;

[, $serviceId, $action] = $argv + [null, '0', ''];
$argument = $argv[3] ?? '';
Database::attach(Database::configFromEnvironment());
$whmcs = new Whmcs();
switch ($action) {
    case 'changepw':
        $result = $whmcs->changePassword((int) $serviceId, $argument);
        break;
    case 'upgrade':
        $result = $whmcs->changePackage((int) $serviceId, (int) $argument);
        break;
    case 'addalias':
        $result = $whmcs->clientCustomAction((int) $serviceId, 'AddAlias', ['alias' => $argument]);
        break;
    case 'cron':
        $result = implode('; ', array_map('strval', $whmcs->runDailyCron()));
        break;
    default:
        $result = $whmcs->moduleAction((int) $serviceId, $action);
}
echo json_encode(['service' => (int) $serviceId, 'action' => $action, 'result' => $result]), "\n";
