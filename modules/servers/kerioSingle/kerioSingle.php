<?php
/**
 * kerioSingle — WHMCS server module: one Kerio Connect mailbox per WHMCS service.
 *
 * A thin adapter: every Kerio rule (mailbox names, passwords, quotas, idempotent create) lives in
 * the engine bin/kerio-single, which this file calls through lib/EngineClient (docs/bridge-protocol.md).
 * Lifecycle functions return exactly 'success' only when the engine confirmed the change, otherwise
 * an error string that says what to fix.
 */

use WHMCS\Module\Server\kerioSingle\ClientArea;
use WHMCS\Module\Server\kerioSingle\ConfigurableOptionsGroup;
use WHMCS\Module\Server\kerioSingle\CustomFields;
use WHMCS\Module\Server\kerioSingle\EngineClient;
use WHMCS\Module\Server\kerioSingle\Lang;
use WHMCS\Module\Server\kerioSingle\Lifecycle;
use WHMCS\Module\Server\kerioSingle\MailboxView;
use WHMCS\Module\Server\kerioSingle\ProductSettings;
use WHMCS\Module\Server\kerioSingle\ProductSetup;
use WHMCS\Module\Server\kerioSingle\Provisioning;
use WHMCS\Module\Server\kerioSingle\ServerSync;
use WHMCS\Module\Server\kerioSingle\SsoActor;
use WHMCS\Module\Server\kerioSingle\SelfService;
use WHMCS\Module\Server\kerioSingle\ServiceLimits;
use WHMCS\Module\Server\kerioSingle\SsoEndpoint;
use WHMCS\Module\Server\kerioSingle\SsoTokens;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

require_once __DIR__ . '/lib/autoload.php';

/**
 * Module meta data, read by WHMCS when it loads the module (no service context, no I/O).
 *
 * AutoGenerateUsernameAndPassword is false: the username becomes the mailbox address and the password
 * the customer's choice, both written by _CreateAccount.
 *
 * @return array<string, mixed>
 */
function kerioSingle_MetaData()
{
    return [
        'DisplayName' => 'Kerio Connect (single mailbox)' . (kerioSingleRequirementError() === null ? '' : ' - needs PHP 8.1+'),
        'APIVersion' => '1.1',
        'RequiresServer' => true,
        'DefaultSSLPort' => '4040',
        'DefaultNonSSLPort' => '4040',
        'ServiceSingleSignOnLabel' => 'Open Webmail',
        'ListAccountsUniqueIdentifierField' => 'username',
        'ListAccountsUniqueIdentifierDisplayName' => 'Mailbox',
        'ListAccountsProductField' => 'configoption2',
        'AutoGenerateUsernameAndPassword' => false,
    ];
}

/**
 * Product "Module Settings" (configoption1..10, positions fixed forever).
 *
 * WHMCS calls this whenever it shows the settings: for a saved product ($_REQUEST['id'] = product id),
 * by AJAX as soon as the admin picks the module (before the product is saved with it), and on a product
 * addon's page (`isAddon` true, $_REQUEST['id'] = the ADDON id). Only for a product whose SAVED module
 * is kerioSingle does it create/update the order-form custom fields and refresh the Domain dropdown
 * from the Kerio server (lib/ProductSetup); the ProductEdit hook (hooks.php) does the same on save.
 * What the admin should know about the Domains (e.g. domains the server's admin cannot manage, from
 * test_connection's unmanageable_domains) is shown under the Domains field, and the state of the
 * product's Configurable Options group under *Create the Configurable Options group*. The addon page
 * is recognised by its script too: WHMCS's first call there carries no `isAddon`.
 *
 * @param array<string, mixed> $params producttype, isAddon, whmcsVersion
 * @return array<string, array<string, mixed>>
 */
function kerioSingle_ConfigOptions($params = [])
{
    $requirement = kerioSingleRequirementError();
    if ($requirement !== null) {
        return ProductSettings::definitions($requirement);
    }
    $productId = (int) ($_REQUEST['id'] ?? 0);
    if (!empty($params['isAddon']) || ProductSetup::onAddonPage()) {
        return ProductSettings::definitions();
    }
    $definitions = ProductSettings::definitions(ProductSetup::refresh($productId));
    $definitions['create_options_group']['Description'] .= ConfigurableOptionsGroup::status($productId);
    return $definitions;
}

/**
 * Loader of the product's Domains setting: the mail domains of the Kerio server (value => label),
 * so the admin picks one instead of typing (or the empty value: every domain). WHMCS runs it only in Simple Mode, with the params of a
 * server of the product's server group, and turns the text field into a dropdown (its stored value
 * kept as an option); it shows the message of a thrown exception as a warning. The answer is
 * reused for a few minutes with a short timeout (ProductSetup::loaderDomains).
 *
 * @param array<string, mixed> $params server params
 * @return array<string, string>
 * @throws \RuntimeException when the server does not answer (names why)
 */
function kerioSingleDomainLoader(array $params)
{
    try {
        $domains = ProductSetup::loaderDomains($params);
    } catch (\Throwable $error) {
        throw new \RuntimeException('Could not read the mail domains from the Kerio server: ' . Lifecycle::errorText($error, $params));
    }
    // first: the empty value (every domain), so a product saved in Simple Mode is not limited to
    // whichever domain the dropdown happens to list first
    return ['' => 'Every domain on the server'] + (array_combine($domains, $domains) ?: []);
}

/**
 * "Test Connection" on the server form: checks that the engine can run, then logs in to Kerio and
 * checks the admin may manage users. An untrusted certificate's error names the presented
 * SHA-256 fingerprint to paste into the Access Hash as `tls_fingerprint = …`.
 *
 * @param array<string, mixed> $params server params
 * @return array{success: bool, error: string}
 */
function kerioSingle_TestConnection(array $params)
{
    $requirement = kerioSingleRequirementError();
    if ($requirement !== null) {
        return ['success' => false, 'error' => $requirement];
    }
    try {
        $client = EngineClient::forParams($params, 'TestConnection');
        $client->engine()->assertRunnable();
        $client->call('test_connection', []);
        return ['success' => true, 'error' => ''];
    } catch (\Throwable $error) {
        return ['success' => false, 'error' => Lifecycle::errorText($error, $params)];
    }
}

/**
 * Creates the mailbox (order paid, checkout, or admin "Create"). A retried create recognises the
 * mailbox it made before by the service id in its description.
 *
 * @param array<string, mixed> $params
 * @return string 'success' or an error
 */
function kerioSingle_CreateAccount(array $params)
{
    $requirement = kerioSingleRequirementError();
    if ($requirement !== null) {
        return $requirement;
    }
    return Lifecycle::run('CreateAccount', $params, static function () use ($params): void {
        Provisioning::create($params);
    });
}

/**
 * Suspends the mailbox: the user can no longer log in; mail is still delivered.
 *
 * @param array<string, mixed> $params
 * @return string 'success' or an error
 */
function kerioSingle_SuspendAccount(array $params)
{
    return kerioSingleMailboxCall('SuspendAccount', 'suspend', $params);
}

/**
 * Lifts a suspension.
 *
 * @param array<string, mixed> $params
 * @return string 'success' or an error
 */
function kerioSingle_UnsuspendAccount(array $params)
{
    return kerioSingleMailboxCall('UnsuspendAccount', 'unsuspend', $params);
}

/**
 * Removes the mailbox as the product's "On terminate" setting says (delete, keep data, archive).
 * A mailbox that no longer exists counts as terminated; one owned by another service is refused.
 *
 * @param array<string, mixed> $params
 * @return string 'success' or an error
 */
function kerioSingle_TerminateAccount(array $params)
{
    return Lifecycle::run('TerminateAccount', $params, static function () use ($params): void {
        Provisioning::terminate($params);
    });
}

/**
 * Sets the mailbox password to $params['password'] (already the new one when WHMCS calls this).
 *
 * @param array<string, mixed> $params
 * @return string 'success' or an error (shown to the client too)
 */
function kerioSingle_ChangePassword(array $params)
{
    return Lifecycle::run('ChangePassword', $params, static function () use ($params): void {
        $args = [
            'password' => (string) $params['password'],
            'givenname' => (string) ($params['customfields'][CustomFields::GIVENNAME] ?? ''),
            'surname' => (string) ($params['customfields'][CustomFields::SURNAME] ?? ''),
        ];
        $minLength = ProductSettings::fromParams($params)->passwordMinLength();
        if ($minLength !== null) {
            $args['min_password_length'] = $minLength;
        }
        Provisioning::mailboxCall($params, 'ChangePassword', 'change_password', $args);
    });
}

/**
 * Applies the new product's quota after an upgrade or downgrade; refuses a downgrade below the
 * mailbox's live usage unless the product allows it.
 *
 * @param array<string, mixed> $params params with the new product's settings
 * @return string 'success' or an error
 */
function kerioSingle_ChangePackage(array $params)
{
    return Lifecycle::run('ChangePackage', $params, static function () use ($params): void {
        Provisioning::changePackage($params);
    });
}

/**
 * Daily cron, once per server (server params only): one engine call fetches the usage of every
 * Active/Suspended mailbox of this module on the server; tblhosting diskusage/disklimit (MB) and
 * lastupdate are written in bulk.
 *
 * @param array<string, mixed> $params server params
 * @return string 'success' or an error (WHMCS logs any other truthy return)
 */
function kerioSingle_UsageUpdate(array $params)
{
    return Lifecycle::run('UsageUpdate', $params, static function () use ($params): void {
        ServerSync::updateUsage($params);
    });
}

/**
 * Server sync (Utilities > Server Sync): every mailbox on the Kerio server.
 *
 * @param array<string, mixed> $params server params
 * @return array<string, mixed> ['success' => true, 'accounts' => [...]] or ['success' => false, 'error' => ...]
 */
function kerioSingle_ListAccounts(array $params)
{
    try {
        return ['success' => true, 'accounts' => ServerSync::listAccounts($params)];
    } catch (\Throwable $error) {
        return ['success' => false, 'error' => Lifecycle::errorText($error, $params)];
    }
}

/**
 * Admin buttons on the service page. "Adopt existing mailbox" marks a mailbox that exists on Kerio
 * without a WHMCS mark (e.g. imported by Utilities > Server Sync) as this service's, so the other
 * buttons may act on it. "Refresh usage" reads this service's mailbox usage now. "Remove aliases over
 * the plan" removes the newest aliases beyond the plan. "Purge kept mail
 * now" deletes the mail a terminate with mode keep left on Kerio and frees the address.
 *
 * @return array<string, string> button label => function suffix
 */
function kerioSingle_AdminCustomButtonArray()
{
    return [
        'Adopt existing mailbox' => 'AdoptMailbox',
        'Refresh usage' => 'RefreshUsage',
        'Remove aliases over the plan' => 'TrimAliases',
        'Purge kept mail now' => 'PurgeKeptMail',
    ];
}

/**
 * "Purge kept mail now" on a service terminated with mode keep: deletes the mail Kerio kept for
 * its address (engine op `purge_kept`, refused while a mailbox holds the address) and frees the
 * address for every client (lib/KeptMail.php).
 *
 * @param array<string, mixed> $params
 * @return string 'success' or an error
 */
function kerioSingle_PurgeKeptMail(array $params)
{
    return Lifecycle::run('PurgeKeptMail', $params, static function () use ($params): void {
        Provisioning::purgeKeptMail($params);
    });
}

/**
 * "Adopt existing mailbox": the engine marks the service's mailbox (its username) as this service's,
 * only when it is a plain user without another service's mark in the product's domains; the Kerio
 * user id is recorded in `kerio_id` and the activity log says what was done.
 *
 * @param array<string, mixed> $params
 * @return string 'success' or an error
 */
function kerioSingle_AdoptMailbox(array $params)
{
    return Lifecycle::run('AdoptMailbox', $params, static function () use ($params): void {
        Provisioning::adopt($params);
    });
}

/**
 * "Refresh usage" on the admin's service page: reads this service's mailbox usage from Kerio now
 * (engine op `account_usage`, through the ownership rule) instead of waiting for the daily cron.
 *
 * @param array<string, mixed> $params
 * @return string 'success' or an error
 */
function kerioSingle_RefreshUsage(array $params)
{
    return Lifecycle::run('RefreshUsage', $params, static function () use ($params): void {
        Provisioning::refreshUsage($params);
    });
}

/**
 * "Remove aliases over the plan" on the admin's service page: after a downgrade the mailbox keeps
 * its aliases (AddAlias is refused until it is within the plan); this removes those above the plan's
 * alias limit, newest first (the end of Kerio's list, where AddAlias appends), and logs which.
 *
 * @param array<string, mixed> $params
 * @return string 'success' or an error
 */
function kerioSingle_TrimAliases(array $params)
{
    return Lifecycle::run('TrimAliases', $params, static function () use ($params): void {
        Provisioning::trimAliases($params);
    });
}

/**
 * Custom functions the client area may call (`modop=custom&a=NAME`).
 *
 * @return list<string>
 */
function kerioSingle_ClientAreaAllowedFunctions()
{
    return ['AddAlias', 'RemoveAlias', 'SetForwarding'];
}

/**
 * Client area: adds the alias in `$_POST['alias']` (local part or full address) to the service's
 * mailbox, after WHMCS's CSRF token, the service status and the plan's alias limit are checked.
 *
 * @param array<string, mixed> $params
 * @return string 'success' or the reason, in the client's language where the module words it
 */
function kerioSingle_AddAlias(array $params)
{
    return kerioSingleSelfService('AddAlias', $params, [SelfService::class, 'addAlias']);
}

/**
 * Client area: removes the alias in `$_POST['alias']`; one that is not there counts as removed.
 *
 * @param array<string, mixed> $params
 * @return string 'success' or the reason
 */
function kerioSingle_RemoveAlias(array $params)
{
    return kerioSingleSelfService('RemoveAlias', $params, [SelfService::class, 'removeAlias']);
}

/**
 * Client area: forwards the mailbox to `$_POST['forward_to']` (commas, spaces or line breaks
 * between addresses; empty = off), keeping a copy unless `$_POST['keep_copy']` is `0`.
 *
 * @param array<string, mixed> $params
 * @return string 'success' or the reason
 */
function kerioSingle_SetForwarding(array $params)
{
    return kerioSingleSelfService('SetForwarding', $params, [SelfService::class, 'setForwarding']);
}

/**
 * Live mailbox data on the admin's service page.
 *
 * @param array<string, mixed> $params
 * @return array<string, string> label => HTML (escaped)
 */
function kerioSingle_AdminServicesTabFields(array $params)
{
    return MailboxView::adminRows($params);
}

/**
 * Client area: replaces the product overview with templates/overview.tpl (address, quota bar,
 * webmail button, mail-app settings); see lib/ClientArea.php. Rendered in any service status.
 *
 * @param array<string, mixed> $params
 * @return array<string, mixed>
 */
function kerioSingle_ClientArea(array $params)
{
    $accountInfo = static function (string $address) use ($params): array {
        return MailboxView::accountInfo($params, 'ClientArea', $address);
    };
    return (new ClientArea($params, Lang::forParams($params), $accountInfo))->output();
}

/**
 * "Open Webmail", in the client area (clientarea.php?action=productdetails&id=N&dosinglesignon=1) and
 * on the admin service page (WHMCS shows the ServiceSingleSignOnLabel button to staff too): issues a
 * one-time link (lib/SsoTokens: random token, single use, 60 s, bound to the service and to the
 * service's client, or to the staff member when staff pressed it; only its hash stored) to the
 * module's sso.php, which checks it against the logged-in client or staff member and then prints the
 * engine's auto-submitting login form. The password never appears in a URL or the token store.
 * A suspended service or a product with SSO switched off gets a message in the client's language.
 *
 * @param array<string, mixed> $params
 * @return array<string, mixed> ['success' => true, 'redirectTo' => url] or ['success' => false, 'errorMsg' => ...]
 */
function kerioSingle_ServiceSingleSignOn(array $params)
{
    $refusal = SsoEndpoint::refusalFor($params);
    if ($refusal !== null) {
        return ['success' => false, 'errorMsg' => Lang::forParams($params)->get($refusal)];
    }
    try {
        $boundTo = SsoActor::current()->bindingFor((int) $params['userid']);
        return ['success' => true, 'redirectTo' => SsoTokens::issueLink((int) $params['serviceid'], $boundTo)];
    } catch (\Throwable $error) {
        return ['success' => false, 'errorMsg' => Lang::forParams($params)->get('sso_unavailable')];
    }
}

/**
 * Finds every value stored under $needle at any depth of nested arrays/objects.
 *
 * @param array<mixed>|object $haystack
 * @return list<mixed> values in document order
 */
function kerioSingleFindAll($haystack, string $needle)
{
    $found = [];
    foreach ((array) $haystack as $key => $value) {
        if ((string) $key === $needle) {
            $found[] = $value;
        }
        if (is_array($value) || is_object($value)) {
            $found = array_merge($found, kerioSingleFindAll($value, $needle));
        }
    }
    return $found;
}

/**
 * Server-side password check (repeats the order form's JavaScript check in case it was bypassed),
 * done by the engine with Kerio's rules. With $params (service or product params) the product's
 * minimum length and, when a server is given, the chosen domain's Kerio policy apply.
 *
 * @param array<string, mixed> $params optional module params
 * @return string '' when the password is acceptable, otherwise the failed rules (or why the check
 *                could not run), one sentence each
 */
function kerioSingleCheckPassword(string $pwd, array $params = [])
{
    try {
        $args = ['password' => $pwd];
        $minLength = ProductSettings::fromParams($params)->passwordMinLength();
        if ($minLength !== null) {
            $args['min_length'] = $minLength;
        }
        $domain = (string) ($params['customfields'][CustomFields::MAILDOMAIN] ?? '');
        $withServer = $domain !== '' && ((string) ($params['serverhostname'] ?? '') !== '' || (string) ($params['serverip'] ?? '') !== '');
        $client = $withServer ? EngineClient::forParams($params, 'CheckPassword') : EngineClient::offline('CheckPassword');
        $result = $client->call('check_password', $withServer ? $args + ['domain' => $domain] : $args, [$pwd]);
        return ($result['ok'] ?? false) === true ? '' : implode(' ', array_map('strval', (array) $result['failures']));
    } catch (\Throwable $error) {
        return Lifecycle::errorText($error, $params, [$pwd]);
    }
}

/**
 * Records the quota applied to the mailbox in the admin-only custom field `quota`, the reference a
 * later package change compares with to tell a downgrade from an upgrade. Called by CreateAccount and
 * ChangePackage.
 *
 * @param array<string, mixed> $params
 * @param int|null             $quotaMb the applied quota; null = the service's effective quota (product
 *                                      setting or its Configurable Options quota_mb + extra_storage_gb)
 * @return string 'success' or an error
 */
function kerioSingleUpdateQuota(array $params, $quotaMb = null)
{
    return Lifecycle::run('UpdateQuota', $params, static function () use ($params, $quotaMb): void {
        $quota = $quotaMb === null ? ServiceLimits::fromParams($params)->quotaMb() : (int) $quotaMb;
        Provisioning::recordQuota($params, $quota);
    });
}

/**
 * Runs a client-area self-service change: WHMCS's CSRF token is checked first (WHMCS 8 does not
 * check it for custom functions; check_token() ends the request when it is wrong), then the change.
 *
 * @param array<string, mixed>              $params
 * @param callable(array<string, mixed>): void $change throws the reason when refused
 * @return string 'success' or the reason, HTML-escaped (WHMCS prints it unescaped)
 */
function kerioSingleSelfService(string $action, array $params, callable $change)
{
    check_token();
    $result = Lifecycle::run($action, $params, static function () use ($change, $params): void {
        $change($params);
    }, true);
    // WHMCS's client area prints a custom function's error raw ("Action Failed " + text).
    return $result === 'success' ? $result : htmlspecialchars($result, ENT_QUOTES, 'UTF-8');
}

/**
 * Runs a mailbox operation without further arguments (suspend, unsuspend) for the service.
 *
 * @param array<string, mixed> $params
 * @return string 'success' or an error
 */
function kerioSingleMailboxCall(string $action, string $op, array $params)
{
    return Lifecycle::run($action, $params, static function () use ($action, $op, $params): void {
        Provisioning::mailboxCall($params, $action, $op);
    });
}

/**
 * Why kerioSingle cannot run on this PHP, or null: it needs WHMCS 8.11+ on PHP 8.1+ (its library
 * uses PHP 8 functions). Checked before any library class loads, so an older PHP gets this text on
 * the server's Test Connection, the product's Module Settings and Create, never a fatal error.
 */
function kerioSingleRequirementError(int $phpVersionId = PHP_VERSION_ID, string $phpVersion = PHP_VERSION): ?string
{
    if ($phpVersionId >= 80100) {
        return null;
    }
    return 'kerioSingle needs WHMCS 8.11 or later on PHP 8.1 or later; this WHMCS runs PHP ' . $phpVersion
        . '. Upgrade PHP (and WHMCS) before using the module.';
}
