<?php
/**
 * kerioSingle order-form rules endpoint: modules/servers/kerioSingle/rules.php?pid=N&domain=…
 * &localpart=…&givenname=…&surname=… → the engine's `password_rules` JSON for that product.
 *
 * js/order-form.js calls it when the customer changes the mailbox name, domain or names (the
 * password rules may forbid those words). It never receives a password. Like sso.php it is an
 * entry point: it boots WHMCS through init.php (or the harness bootstrap named by
 * KERIOSINGLE_WHMCS_INIT) and checks the `defined('WHMCS')` guard only after that boot.
 *
 * Anonymous visitors may call it: each IPv4 address or IPv6 /64 gets 30 requests a minute (429
 * after that), hidden and retired products are not answered (404), only the product's own domains are answered, Kerio is read at most once per domain every 10 minutes
 * (lib/DomainPolicyCache.php), and no answer ever names a file or an internal error.
 */

use WHMCS\Module\Server\kerioSingle\OrderRules;
use WHMCS\Module\Server\kerioSingle\RateLimit;
use WHMCS\Module\Server\kerioSingle\SettingsError;

require_once defined('KERIOSINGLE_WHMCS_INIT') ? KERIOSINGLE_WHMCS_INIT : dirname(__DIR__, 3) . '/init.php';
if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}
require_once __DIR__ . '/lib/autoload.php';

header('Content-Type: application/json; charset=utf-8');
header('Cache-Control: no-store');
header('X-Content-Type-Options: nosniff');

/**
 * Ends the request with an error status and a message for the visitor.
 */
function kerioSingleRulesRefuse(int $status, string $message): void
{
    http_response_code($status);
    echo json_encode(['error' => $message], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
}

try {
    if (!RateLimit::allow((string) ($_SERVER['REMOTE_ADDR'] ?? ''))) {
        header('Retry-After: ' . RateLimit::secondsUntilNextWindow());
        kerioSingleRulesRefuse(429, 'Too many requests: at most ' . RateLimit::PER_MINUTE . ' a minute. Please wait a minute and try again.');
        return;
    }
    $kerioSingleProduct = OrderRules::publicProduct((int) ($_GET['pid'] ?? 0));
    if ($kerioSingleProduct === null) {
        kerioSingleRulesRefuse(404, 'pid must be the id of a product in the shop that uses the kerioSingle module.');
        return;
    }
    $kerioSingleInputs = [];
    foreach (OrderRules::INPUTS as $kerioSingleName) {
        $kerioSingleInputs[$kerioSingleName] = html_entity_decode((string) ($_GET[$kerioSingleName] ?? ''), ENT_QUOTES, 'UTF-8');
    }
    echo json_encode(OrderRules::forProduct($kerioSingleProduct, $kerioSingleInputs), JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
} catch (SettingsError $kerioSingleNotOffered) {
    kerioSingleRulesRefuse(422, $kerioSingleNotOffered->getMessage());
} catch (\Throwable $kerioSingleFailure) {
    // The module log has the details (EngineClient logs engine failures); the visitor gets no path.
    kerioSingleRulesRefuse(503, 'The password rules are not available right now; your order is checked again when you submit it.');
}
