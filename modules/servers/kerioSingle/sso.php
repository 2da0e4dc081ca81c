<?php
/**
 * kerioSingle webmail single sign-on endpoint: modules/servers/kerioSingle/sso.php?token=…
 *
 * kerioSingle_ServiceSingleSignOn redirects the client (or the staff member) here with a one-time token (lib/SsoTokens).
 * Unlike the module's other files this is an entry point the browser requests directly, so it first
 * boots WHMCS itself: `init.php` from the WHMCS root (three folders up), which defines WHMCS,
 * connects the database and resumes the visitor's session (client and/or staff); the `defined('WHMCS')` guard follows.
 * A test harness boots its WHMCS stand-in instead by defining KERIOSINGLE_WHMCS_INIT (the path of
 * its bootstrap file) before including this file.
 *
 * Who is logged in (the client account and/or the staff member) comes from WHMCS 8's documented
 * WHMCS\Authentication\CurrentUser (lib/SsoActor), never from raw session keys; the service's params
 * come from WHMCS\Module\Server::buildParams(), exactly as module calls get them.
 */

use WHMCS\Module\Server\kerioSingle\SsoActor;
use WHMCS\Module\Server\kerioSingle\SsoEndpoint;

require_once defined('KERIOSINGLE_WHMCS_INIT') ? KERIOSINGLE_WHMCS_INIT : dirname(__DIR__, 3) . '/init.php';
if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}
require_once __DIR__ . '/lib/autoload.php';

$kerioSingleEndpoint = new SsoEndpoint(static function (int $serviceId): array {
    $server = new \WHMCS\Module\Server();
    if (!$server->loadByServiceID($serviceId)) {
        throw new \RuntimeException('Service ' . $serviceId . ' of a webmail link no longer exists.');
    }
    return $server->buildParams();
});
$kerioSingleEndpoint->respond((string) ($_GET['token'] ?? ''), SsoActor::current());
