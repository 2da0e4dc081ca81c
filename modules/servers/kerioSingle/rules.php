<?php
/**
 * kerioSingle order-form rules endpoint: modules/servers/kerioSingle/rules.php?pid=N&domain=…
 * &localpart=…&givenname=…&surname=… → the engine's `password_rules` JSON for that product.
 *
 * js/order-form.js calls it when the customer changes the mailbox name, domain or names (the
 * password rules may forbid those words). It never receives a password. Like sso.php it is an
 * entry point: it boots WHMCS through init.php (or the harness bootstrap named by
 * KERIOSINGLE_WHMCS_INIT) and checks the `defined('WHMCS')` guard only after that boot.
 */

use WHMCS\Module\Server\kerioSingle\EngineError;
use WHMCS\Module\Server\kerioSingle\OrderRules;

require_once defined('KERIOSINGLE_WHMCS_INIT') ? KERIOSINGLE_WHMCS_INIT : dirname(__DIR__, 3) . '/init.php';
if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}
require_once __DIR__ . '/lib/autoload.php';

header('Content-Type: application/json; charset=utf-8');
header('Cache-Control: no-store');

$kerioSingleProduct = OrderRules::product((int) ($_GET['pid'] ?? 0));
if ($kerioSingleProduct === null) {
    http_response_code(404);
    echo json_encode(['error' => 'pid must be the id of a product that uses the kerioSingle module.']);
    return;
}
$kerioSingleInputs = [];
foreach (OrderRules::INPUTS as $kerioSingleName) {
    $kerioSingleInputs[$kerioSingleName] = html_entity_decode((string) ($_GET[$kerioSingleName] ?? ''), ENT_QUOTES, 'UTF-8');
}
try {
    echo json_encode(OrderRules::forProduct($kerioSingleProduct, $kerioSingleInputs), JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
} catch (EngineError $kerioSingleError) {
    http_response_code(503);
    echo json_encode(['error' => $kerioSingleError->describe()]);
}
