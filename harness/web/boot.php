<?php
/**
 * The "init.php" of the web harness: what WHMCS's init.php does before a page or a module endpoint
 * runs. Loads the harness (WHMCS constants, Capsule, global functions), attaches to the database
 * the test prepared (same KS_DB_* environment, tables left as they are), resumes the PHP session,
 * and provides the WHMCS piece only web pages use (WHMCS\Module\Server::buildParams).
 *
 * The module's entry points (sso.php, rules.php) load this file instead of WHMCS's init.php when
 * KERIOSINGLE_WHMCS_INIT names it; router.php defines that constant.
 */

require_once dirname(__DIR__) . '/bootstrap.php';

require_once __DIR__ . '/src/WhmcsModuleServer.php';

\KerioSingle\Harness\Web\Connection::attach(\KerioSingle\Harness\Database::configFromEnvironment());

if (session_status() !== PHP_SESSION_ACTIVE) {
    session_name('WHMCSkerioHarness');
    session_start();
}
