<?php
/**
 * The global functions WHMCS 8 provides to modules, as far as kerioSingle uses them.
 * Each delegates to a harness class that behaves like WHMCS (see harness/README.md).
 */

use KerioSingle\Harness\ActivityLog;
use KerioSingle\Harness\Crypto;
use KerioSingle\Harness\Hooks;
use KerioSingle\Harness\CsrfToken;
use KerioSingle\Harness\LocalApi;
use KerioSingle\Harness\ModuleLogger;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * WHMCS encrypt(): reversible encryption with the installation key; a new nonce each call.
 */
function encrypt($plain)
{
    return Crypto::encrypt((string) $plain);
}

/**
 * WHMCS decrypt(): the inverse of encrypt(); '' for anything it cannot decrypt.
 */
function decrypt($cipher)
{
    return Crypto::decrypt((string) $cipher);
}

/**
 * WHMCS logModuleCall(): writes tblmodulelog when Module Debug Mode is on, with every value of
 * $replaceVars replaced by asterisks in request, response and processed data.
 *
 * @param string|array $requestString
 * @param string|array $responseData
 * @param string|array $processedData
 * @param array        $replaceVars secret values to mask
 */
function logModuleCall($module, $action, $requestString, $responseData, $processedData = '', $replaceVars = [])
{
    ModuleLogger::log((string) $module, (string) $action, $requestString, $responseData, $processedData, (array) $replaceVars);
}

/**
 * WHMCS logActivity(): one line in the activity log.
 */
function logActivity($message, $userId = 0)
{
    ActivityLog::add((string) $message, (int) $userId);
}

/**
 * WHMCS localAPI() for the commands the harness knows (EncryptPassword, DecryptPassword,
 * GetClientsDetails); others answer result=error like WHMCS does for unknown commands.
 *
 * @return array<string, mixed>
 */
function localAPI($command, $values = [], $adminUser = '')
{
    return LocalApi::call((string) $command, (array) $values);
}

/**
 * WHMCS add_hook(): registers a callback for a hook point (lower priority runs first).
 */
function add_hook($hookPoint, $priority, $callback)
{
    Hooks::add((string) $hookPoint, (int) $priority, $callback);
}

/**
 * WHMCS run_hook(): calls every callback of a hook point in priority order.
 *
 * @return list<mixed> the callbacks' non-empty returns
 */
function run_hook($hookPoint, $vars)
{
    return Hooks::run((string) $hookPoint, (array) $vars);
}

/**
 * WHMCS generate_token(): the session's CSRF token as a hidden input ('form'), '&token=…' ('link')
 * or bare ('plain').
 */
function generate_token($type = 'form')
{
    return CsrfToken::generate((string) $type);
}

/**
 * WHMCS check_token(): ends the request (here: throws CsrfFailure) unless the request's `token`
 * is the session's CSRF token.
 */
function check_token($namespace = 'WHMCS.default')
{
    CsrfToken::check();
}
