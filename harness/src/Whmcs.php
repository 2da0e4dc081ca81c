<?php

namespace KerioSingle\Harness;

use WHMCS\Database\Capsule;

/**
 * The WHMCS 8 stand-in as an admin (and a client) would drive it: set up a server and a product,
 * take an order, press module buttons, change password or package, run the daily cron, open the
 * client area. Every call goes to the module exactly the way WHMCS makes it.
 *
 * This is the one entry point tests, the demo and (later) a web front end use.
 */
final class Whmcs
{
    /**
     * What WHMCS shows the client instead of the module's error when "Open Webmail" fails [I: WHMCS
     * replaces a failed SSO's errorMsg by a generic "Unable to auto-login" text].
     */
    public const CLIENT_SSO_FAILED = 'Unable to auto-login. Please try again later or contact support.';
    /** What WHMCS shows the client when a client-area password change fails (its own text, not the module's) [I]. */
    public const CLIENT_PASSWORD_CHANGE_FAILED = 'An error occurred while changing your password. Please contact support.';
    /** WHMCS's own text when a client-area action is asked for a service that is not Active [I: wording]. */
    public const PRODUCT_NOT_ACTIVE = 'This product must be active to perform this action.';
    /** WHMCS's refusal for a user without the client's `manageproducts` permission [I: wording]. */
    public const NO_MANAGE_PERMISSION = 'Access Denied: you do not have the permission to manage products of this account.';
    /** The admin area's heading of a module function's error [I: wording]. */
    public const MODULE_COMMAND_ERROR = 'Module Command Error';
    /** The admin script of the product addons page. */
    public const ADDON_SCRIPT = '/admin/configaddons.php';
    /** Harness-only setting (tblconfiguration): 'on' = password-type order fields stored encrypted. */
    public const PASSWORD_FIELDS_SETTING = 'HarnessEncryptPasswordFields';

    private string $module;

    /**
     * @param string $module the server module under test (modules/servers/<module>/)
     */
    public function __construct(string $module = 'kerioSingle')
    {
        $this->module = $module;
        ModuleLoader::load($module);
    }

    /**
     * Connects the database, creates the WHMCS tables and the default settings (Module Debug Mode on).
     *
     * @param array<string, mixed> $databaseConfig Database::configFromEnvironment() or Database::sqlite()
     */
    public static function install(array $databaseConfig, string $module = 'kerioSingle'): self
    {
        Database::connect($databaseConfig);
        Settings::set('ModuleDebugMode', 'on');
        Settings::set('SystemURL', 'https://billing.example.net/');
        Settings::set('Language', 'english');
        Settings::set(self::PASSWORD_FIELDS_SETTING, getenv('KS_HARNESS_PASSWORD_FIELDS') === 'encrypted' ? 'on' : '');
        Capsule::table('tblcurrencies')->insert(['code' => 'USD', 'prefix' => '$', 'suffix' => ' USD', 'default' => 1]);
        Request::clear();
        return new self($module);
    }

    /**
     * Setup > Servers > Add: the password is stored encrypted, SSL as 'on'/''.
     *
     * @param array{name?: string, hostname: string, ipaddress?: string, username: string, password: string,
     *              accesshash?: string, secure?: bool, port?: int|null} $server
     */
    public function addServer(array $server): int
    {
        return (int) Capsule::table('tblservers')->insertGetId([
            'name' => $server['name'] ?? $server['hostname'],
            'ipaddress' => $server['ipaddress'] ?? '',
            'hostname' => $server['hostname'],
            'type' => $this->module,
            'username' => $server['username'],
            'password' => Crypto::encrypt($server['password']),
            'accesshash' => $server['accesshash'] ?? '',
            'secure' => ($server['secure'] ?? true) ? 'on' : '',
            'port' => $server['port'] ?? null,
            'active' => 1,
            'disabled' => 0,
        ]);
    }

    /**
     * Changes stored server fields (password given in plain text).
     *
     * @param array<string, mixed> $changes
     */
    public function updateServer(int $serverId, array $changes): void
    {
        if (array_key_exists('password', $changes)) {
            $changes['password'] = Crypto::encrypt((string) $changes['password']);
        }
        if (array_key_exists('secure', $changes)) {
            $changes['secure'] = $changes['secure'] ? 'on' : '';
        }
        Capsule::table('tblservers')->where('id', $serverId)->update($changes);
    }

    /**
     * The "Test Connection" button for a saved server.
     *
     * @return mixed the module's answer (['success' => bool, 'error' => string])
     */
    public function testConnection(int $serverId)
    {
        return ModuleLoader::call($this->module, 'TestConnection', ParamsBuilder::forServer($serverId, $this->module));
    }

    /**
     * Setup > Products > Create: a product using the module under test, or $module ('' = no module
     * chosen yet).
     */
    public function addProduct(string $name, ?string $module = null): int
    {
        $now = date('Y-m-d H:i:s');
        return (int) Capsule::table('tblproducts')->insertGetId([
            'type' => 'other', 'name' => $name, 'slug' => strtolower((string) preg_replace('/\W+/', '-', $name)),
            'paytype' => 'recurring', 'autosetup' => 'payment', 'servertype' => $module ?? $this->module,
            'created_at' => $now, 'updated_at' => $now,
        ]);
    }

    /**
     * Opens the product's Module Settings tab and switches it to Advanced Mode (AdminProductPage: two
     * AJAX ConfigOptions calls with the product id in the body).
     *
     * @return array<string, array<string, mixed>> every field the module defines
     */
    public function openModuleSettings(int $productId): array
    {
        return $this->productPage($productId)->open(AdminProductPage::ADVANCED);
    }

    /**
     * Picks $module in the product's Module Settings dropdown without saving: WHMCS loads that
     * module's ConfigOptions by AJAX (AdminProductPage, here in Advanced Mode) with the product id in
     * the body while tblproducts still holds the previously saved module.
     *
     * @return array<string, array<string, mixed>> every field the module defines
     */
    public function pickModuleWithoutSaving(int $productId, string $module): array
    {
        return (new AdminProductPage($module, $productId))->open(AdminProductPage::ADVANCED);
    }

    /** Setup > Product Addons > Create: an addon that provisions with the module under test or $module. */
    public function addProductAddon(string $name, ?string $module = null): int
    {
        $now = date('Y-m-d H:i:s');
        return (int) Capsule::table('tbladdons')->insertGetId([
            'name' => $name, 'module' => $module ?? $this->module, 'created_at' => $now, 'updated_at' => $now,
        ]);
    }

    /**
     * Opens a product addon's Module Settings (admin script configaddons.php): ConfigOptions twice
     * with the ADDON id in $_REQUEST['id'] (not a product id), first without `isAddon`, then with
     * `isAddon` true.
     *
     * @return array<string, array<string, mixed>> the module's ConfigOptions definitions
     */
    public function openAddonModuleSettings(int $addonId): array
    {
        $request = ['action' => 'module-settings', 'id' => (string) $addonId];
        $this->configOptions($this->module, $request, null, self::ADDON_SCRIPT);
        return $this->configOptions($this->module, $request, true, self::ADDON_SCRIPT);
    }

    /**
     * Saves the product with another module: tblproducts.servertype changes, then the ProductEdit
     * hooks run (ConfigOptions of the module under test is not called).
     */
    public function switchProductModule(int $productId, string $module): void
    {
        Hooks::loadModuleHooks();
        Capsule::table('tblproducts')->where('id', $productId)->update(['servertype' => $module, 'updated_at' => date('Y-m-d H:i:s')]);
        Hooks::productSaved($productId);
    }

    /**
     * The product's Module Settings tab as the admin opens it (AdminProductPage: AJAX loads, Simple
     * Mode, Save posting only the drawn fields).
     */
    public function productPage(int $productId): AdminProductPage
    {
        return new AdminProductPage($this->module, $productId);
    }

    /**
     * An admin who switches the tab to Advanced Mode, types the given values and presses Save: the
     * other fields are posted as the form draws them (stored values, or the Defaults on a product
     * not yet saved with the module), the ProductEdit hooks run, the tab loads again.
     *
     * @param array<string, string|bool|int> $valuesByKey ConfigOptions key => value (yesno: bool)
     */
    public function saveModuleSettings(int $productId, array $valuesByKey): void
    {
        $page = $this->productPage($productId);
        $page->open(AdminProductPage::ADVANCED);
        $page->save($valuesByKey);
    }

    /**
     * Setup > Servers > Create New Group: a server group with the given servers; returns its id.
     *
     * @param list<int> $serverIds
     */
    public function addServerGroup(string $name, array $serverIds): int
    {
        $groupId = (int) Capsule::table('tblservergroups')->insertGetId(['name' => $name]);
        foreach ($serverIds as $serverId) {
            Capsule::table('tblservergroupsrel')->insert(['groupid' => $groupId, 'serverid' => $serverId]);
        }
        return $groupId;
    }

    /** The product's *Server Group* (Module Settings tab), stored without running the module. */
    public function setProductServerGroup(int $productId, int $groupId): void
    {
        Capsule::table('tblproducts')->where('id', $productId)->update(['servergroup' => $groupId]);
    }

    /**
     * The product's custom fields as the order form shows them.
     *
     * @return array<string, object> key before `|` => tblcustomfields row
     */
    public function productCustomFields(int $productId): array
    {
        $fields = [];
        foreach (Capsule::table('tblcustomfields')->where('type', 'product')->where('relid', $productId)->orderBy('sortorder')->get() as $row) {
            $fields[explode('|', (string) $row->fieldname)[0]] = $row;
        }
        return $fields;
    }

    /**
     * A client account.
     *
     * @param array<string, string> $client firstname, lastname, email, language …
     */
    public function addClient(array $client): int
    {
        $now = date('Y-m-d H:i:s');
        return (int) Capsule::table('tblclients')->insertGetId($client + [
            'datecreated' => date('Y-m-d'), 'status' => 'Active', 'created_at' => $now, 'updated_at' => $now,
        ]);
    }

    /**
     * The switch for an open WHMCS 8 question: whether a password-type custom field typed on the order
     * form is stored encrypted (encrypt() of the posted value) or as posted. Default: as posted, or
     * what KS_HARNESS_PASSWORD_FIELDS (`encrypted` / `plain`) says.
     */
    public function storePasswordFieldsEncrypted(bool $encrypted): void
    {
        Settings::set(self::PASSWORD_FIELDS_SETTING, $encrypted ? 'on' : '');
    }

    /**
     * Checkout: a Pending service on the server with the order form's custom field values, which WHMCS
     * stores as posted (HTML-encoded); password-type fields encrypted when storePasswordFieldsEncrypted
     * says so.
     *
     * @param array<string, string> $customFields custom field key => value typed by the customer
     */
    public function placeOrder(int $clientId, int $productId, int $serverId, array $customFields): int
    {
        $now = date('Y-m-d H:i:s');
        $serviceId = (int) Capsule::table('tblhosting')->insertGetId([
            'userid' => $clientId, 'packageid' => $productId, 'server' => $serverId, 'regdate' => date('Y-m-d'),
            'paymentmethod' => 'banktransfer', 'billingcycle' => 'Monthly', 'nextduedate' => date('Y-m-d'),
            'domainstatus' => 'Pending', 'created_at' => $now, 'updated_at' => $now,
        ]);
        $fields = $this->productCustomFields($productId);
        foreach ($customFields as $key => $value) {
            if (!isset($fields[$key])) {
                throw new \InvalidArgumentException('Product ' . $productId . ' has no custom field "' . $key . '".');
            }
            $stored = Request::encode($value);
            if ($fields[$key]->fieldtype === 'password' && Settings::get(self::PASSWORD_FIELDS_SETTING) === 'on') {
                $stored = Crypto::encrypt($stored);
            }
            Capsule::table('tblcustomfieldsvalues')->insert([
                'fieldid' => $fields[$key]->id, 'relid' => $serviceId, 'value' => $stored,
                'created_at' => $now, 'updated_at' => $now,
            ]);
        }
        return $serviceId;
    }

    /**
     * A module button (or cron/API action): create, suspend, unsuspend, terminate, changepw, upgrade.
     *
     * @param array<string, mixed> $extra additional params, e.g. ['suspendreason' => '…']
     * @return string 'success' or the error WHMCS shows
     */
    public function moduleAction(int $serviceId, string $action, array $extra = []): string
    {
        return Dispatcher::run($serviceId, $action, $extra);
    }

    /**
     * Change Password. Admin/API: the new password is saved before the module runs; the module's
     * error is returned. Client area: only for Active services; when the module fails the old password
     * is written back and the client sees WHMCS's generic CLIENT_PASSWORD_CHANGE_FAILED (the module's
     * error goes to the activity log and the module queue, see lastModuleError()).
     */
    public function changePassword(int $serviceId, string $newPassword, bool $fromClientArea = false): string
    {
        $before = $this->service($serviceId);
        if ($fromClientArea && $before->domainstatus !== 'Active') {
            return self::PRODUCT_NOT_ACTIVE;
        }
        Capsule::table('tblhosting')->where('id', $serviceId)->update(['password' => Crypto::encrypt($newPassword)]);
        $result = Dispatcher::run($serviceId, 'changepw');
        if ($result !== 'success' && $fromClientArea) {
            Capsule::table('tblhosting')->where('id', $serviceId)->update(['password' => $before->password]);
            return self::CLIENT_PASSWORD_CHANGE_FAILED;
        }
        return $result;
    }

    /**
     * The customer's Configurable Options choices, as the order form or an options upgrade stores them
     * in tblhostingconfigoptions: a dropdown/radio option gets the sub-option whose name starts with
     * "VALUE|" (or equals VALUE), a yes/no or quantity option the quantity.
     *
     * @param array<string, string|int> $choices option name before `|` => sub-option value or quantity
     * @throws \InvalidArgumentException when the product has no such option or sub-option
     */
    public function chooseConfigOptions(int $serviceId, array $choices): void
    {
        $productId = (int) $this->service($serviceId)->packageid;
        foreach ($choices as $name => $value) {
            $optionId = Capsule::table('tblproductconfigoptions as o')
                ->join('tblproductconfiglinks as l', 'l.gid', '=', 'o.gid')
                ->where('l.pid', $productId)
                ->where(static function ($query) use ($name): void {
                    $query->where('o.optionname', $name)->orWhere('o.optionname', 'like', $name . '|%');
                })
                ->value('o.id');
            if ($optionId === null) {
                throw new \InvalidArgumentException('Product ' . $productId . ' has no Configurable Option "' . $name . '".');
            }
            $this->chooseConfigurableOption($serviceId, (int) $optionId, $value);
        }
    }

    /**
     * Upgrade/downgrade of Configurable Options (paid upgrade order): one tblupgrades row per option
     * whose choice changes, then each row on its own: its choice stored, ChangePackage run. A failed
     * step does not roll back the stored choices (its own or the earlier ones).
     *
     * @param array<string, string|int> $choices see chooseConfigOptions()
     * @return string 'success' when every step succeeded, else the failed steps' errors
     */
    public function changeConfigOptions(int $serviceId, array $choices): string
    {
        $steps = [];
        foreach ($choices as $name => $value) {
            $before = $this->hostingConfigOption($serviceId, (string) $name);
            $this->chooseConfigOptions($serviceId, [$name => $value]);
            $after = $this->hostingConfigOption($serviceId, (string) $name);
            $this->restoreHostingConfigOption($serviceId, (int) ($after['configid'] ?? 0), $before);
            if ($after !== null && $before !== $after) {
                $rowId = (int) Capsule::table('tblupgrades')->insertGetId([
                    'type' => 'configoptions', 'date' => date('Y-m-d'), 'relid' => $serviceId, 'status' => 'Pending',
                    'originalvalue' => $after['configid'] . '=>' . ($before['value'] ?? ''), 'newvalue' => $after['configid'] . '=>' . $after['value'],
                ]);
                $steps[$rowId] = [$name => $value];
            }
        }
        $errors = [];
        foreach ($steps as $rowId => $choice) {
            $this->chooseConfigOptions($serviceId, $choice);
            $result = Dispatcher::run($serviceId, 'upgrade');
            Capsule::table('tblupgrades')->where('id', $rowId)->update(['status' => 'Completed']);
            if ($result !== 'success') {
                $errors[] = $result;
            }
        }
        return $errors === [] ? 'success' : implode(' ', $errors);
    }

    /**
     * The service's stored choice of one option (by name), for comparing before and after.
     *
     * @return array{configid: int, value: string}|null
     */
    private function hostingConfigOption(int $serviceId, string $name): ?array
    {
        $row = Capsule::table('tblhostingconfigoptions as h')->join('tblproductconfigoptions as o', 'o.id', '=', 'h.configid')
            ->where('h.relid', $serviceId)
            ->where(static function ($query) use ($name): void {
                $query->where('o.optionname', $name)->orWhere('o.optionname', 'like', $name . '|%');
            })
            ->first(['h.configid', 'h.optionid', 'h.qty']);
        return $row === null ? null : ['configid' => (int) $row->configid, 'value' => $row->optionid . ':' . $row->qty];
    }

    /**
     * Puts one option's stored choice back to $before (none: the row removed), so each upgrade row
     * is applied on its own later.
     *
     * @param array{configid: int, value: string}|null $before
     */
    private function restoreHostingConfigOption(int $serviceId, int $configId, ?array $before): void
    {
        if ($before === null) {
            Capsule::table('tblhostingconfigoptions')->where('relid', $serviceId)->where('configid', $configId)->delete();
            return;
        }
        [$optionId, $qty] = explode(':', $before['value']);
        Capsule::table('tblhostingconfigoptions')->where('relid', $serviceId)->where('configid', $configId)
            ->update(['optionid' => (int) $optionId, 'qty' => (int) $qty]);
    }

    /**
     * Upgrade/downgrade: the service moves to the new product, then ChangePackage runs with the new
     * product's settings.
     */
    public function changePackage(int $serviceId, int $newProductId): string
    {
        Capsule::table('tblhosting')->where('id', $serviceId)->update(['packageid' => $newProductId]);
        return Dispatcher::run($serviceId, 'upgrade');
    }

    /**
     * Automation Settings > "Update usage statistics" (UpdateStatsAuto); off after install.
     */
    public function updateUsageStatisticsDaily(bool $on): void
    {
        Settings::set(Cron::SETTING, $on ? 'on' : '');
    }

    /**
     * A client-area custom function (clientarea.php?action=productdetails&id=N&modop=custom&a=NAME):
     * only names listed by ClientAreaAllowedFunctions are routed, only for an Active service and a
     * user with `manageproducts` (customFunctionRefusal); the form's fields arrive in $_POST
     * HTML-encoded like every request value. WHMCS 8 does not check the CSRF token here itself; the
     * session's token is posted as `token` unless $token says otherwise (null = none).
     *
     * @param array<string, string> $post the form fields
     * @return string 'success' or the error WHMCS shows
     * @throws \InvalidArgumentException for a function the module does not allow
     * @throws CsrfFailure when the module's check_token() refuses
     */
    public function clientCustomAction(int $serviceId, string $function, array $post, ?string $token = 'session'): string
    {
        if ($token !== null) {
            $post['token'] = $token === 'session' ? CsrfToken::current() : $token;
        }
        Request::set(['action' => 'productdetails', 'id' => (string) $serviceId, 'modop' => 'custom', 'a' => $function], $post);
        try {
            return $this->routeClientCustomFunction($serviceId, $function);
        } finally {
            Request::clear();
        }
    }

    /**
     * Routes the current request (superglobals already set) to the client-area custom function
     * `$function` of the service's module, as clientarea.php does for `modop=custom`: WHMCS's
     * refusal when customFunctionRefusal() has one (the module is not called); a refused CSRF
     * token ends the session.
     *
     * @return string 'success' or the error WHMCS shows
     * @throws \InvalidArgumentException for a function the module does not allow
     * @throws CsrfFailure when the module's check_token() refuses
     */
    public function routeClientCustomFunction(int $serviceId, string $function): string
    {
        $allowed = (array) ModuleLoader::call($this->module, 'ClientAreaAllowedFunctions');
        if (!in_array($function, $allowed, true)) {
            throw new \InvalidArgumentException('The module does not allow the client-area function "' . $function . '".');
        }
        $refusal = $this->customFunctionRefusal($serviceId);
        if ($refusal !== null) {
            return $refusal;
        }
        $params = ParamsBuilder::forService($serviceId, $this->module) + ['action' => $function];
        try {
            return (string) ModuleLoader::call($this->module, $function, $params);
        } catch (CsrfFailure $invalid) {
            Session::end();
            throw $invalid;
        }
    }

    /**
     * What WHMCS answers before a client-area custom function reaches the module: its own text for a
     * service that is not Active, or for a user without the `manageproducts` permission; null when
     * the module is called.
     */
    public function customFunctionRefusal(int $serviceId): ?string
    {
        if ($this->service($serviceId)->domainstatus !== 'Active') {
            return self::PRODUCT_NOT_ACTIVE;
        }
        return Session::mayManageProducts() ? null : self::NO_MANAGE_PERMISSION;
    }

    /**
     * The daily cron: its usage task (once per enabled server), only when "Update usage statistics"
     * is on, then the DailyCronJob hooks.
     *
     * @return array<int, mixed> server id => module result; [] when the setting is off
     */
    public function runDailyCron(): array
    {
        return Cron::daily();
    }

    /**
     * Utilities > Server Sync for one server.
     *
     * @return mixed the module's answer
     */
    public function listAccounts(int $serverId)
    {
        return ModuleLoader::call($this->module, 'ListAccounts', ParamsBuilder::forServer($serverId, $this->module));
    }

    /**
     * An admin custom button (_AdminCustomButtonArray): the button's label is looked up in the
     * module's array and its function run with the service's params, as WHMCS's admin page does.
     *
     * @return string 'success' or the error WHMCS shows
     */
    public function adminCustomButton(int $serviceId, string $label): string
    {
        $buttons = (array) ModuleLoader::call($this->module, 'AdminCustomButtonArray');
        if (!isset($buttons[$label])) {
            throw new \InvalidArgumentException('The module has no admin button "' . $label . '".');
        }
        try {
            $function = (string) $buttons[$label];
            $result = ModuleLoader::call($this->module, $function, ParamsBuilder::forService($serviceId, $this->module) + ['action' => $function]);
        } catch (\Exception $exception) {
            $result = $exception->getMessage();
        }
        return $result == 'success' ? 'success' : (is_string($result) ? $result : 'An unknown error occurred');
    }

    /**
     * The module rows of the admin service page.
     *
     * @return mixed label => HTML
     */
    public function adminServicesTabFields(int $serviceId)
    {
        return ModuleLoader::call($this->module, 'AdminServicesTabFields', ParamsBuilder::forService($serviceId, $this->module));
    }

    /**
     * The client area product page: calls ClientArea and renders the template it names with Smarty 4.
     * A replacement template gets the page variables, `moduleParams` and the module's variables.
     */
    public function clientArea(int $serviceId): string
    {
        $params = ParamsBuilder::forService($serviceId, $this->module);
        $output = ModuleLoader::call($this->module, 'ClientArea', $params + [
            'clientareatemplate' => Templates::THEME, 'templatevars' => [],
        ]);
        if (!is_array($output)) {
            return (string) $output;
        }
        $template = $output['tabOverviewReplacementTemplate'] ?? $output['tabOverviewModuleOutputTemplate'] ?? $output['templatefile'] ?? null;
        if ($template === null) {
            throw new \RuntimeException('ClientArea returned no template.');
        }
        $variables = ['moduleParams' => $params, 'status' => $params['status'], 'serviceid' => $serviceId, 'id' => $serviceId];
        $variables += ParamsBuilder::decode((array) ($output['templateVariables'] ?? $output['vars'] ?? []));
        return Templates::render($this->module, (string) $template, $variables);
    }

    /**
     * The client's "Open Webmail" (dosinglesignon=1): only for Active services; the module runs with
     * the service's client logged in.
     *
     * @return mixed the module's answer
     */
    public function singleSignOn(int $serviceId)
    {
        $service = $this->service($serviceId);
        if ($service->domainstatus !== 'Active') {
            return ['success' => false, 'errorMsg' => self::PRODUCT_NOT_ACTIVE];
        }
        return Session::as((int) $service->userid, 0, fn () => $this->callSingleSignOn($serviceId));
    }

    /**
     * The staff member's "Open Webmail" on the admin service page: the same module function, run with
     * the staff member logged in to the admin area (and no client).
     *
     * @return mixed the module's answer
     */
    public function adminSingleSignOn(int $serviceId, int $adminId)
    {
        $this->service($serviceId);
        return Session::as(0, $adminId, fn () => $this->callSingleSignOn($serviceId));
    }

    /**
     * What the admin service page's "Open Webmail" AJAX call answers the staff member's browser:
     * `window|URL` (the page opens URL in a new tab) on success, otherwise the module's errorMsg
     * under "Module Command Error" (staff see the module's own text) [I: exact framing].
     */
    public function adminSingleSignOnAnswer(int $serviceId, int $adminId): string
    {
        $result = $this->adminSingleSignOn($serviceId, $adminId);
        if (is_array($result) && ($result['success'] ?? false) === true) {
            return 'window|' . (string) ($result['redirectTo'] ?? '');
        }
        $error = is_array($result) ? (string) ($result['errorMsg'] ?? '') : '';
        return self::MODULE_COMMAND_ERROR . ($error === '' ? '' : ': ' . $error);
    }

    /** A staff member (Setup > Staff Management > Administrator Users). */
    public function addAdmin(string $username): int
    {
        $now = date('Y-m-d H:i:s');
        return (int) Capsule::table('tbladmins')->insertGetId([
            'username' => $username, 'firstname' => ucfirst($username), 'email' => $username . '@billing.example.net',
            'created_at' => $now, 'updated_at' => $now,
        ]);
    }

    /**
     * One ConfigOptions call as WHMCS makes it: the page's request values and admin script, params with
     * `isAddon` (null = without the key).
     *
     * @param array<string, string> $request
     * @return array<string, array<string, mixed>>
     */
    private function configOptions(string $module, array $request, ?bool $isAddon, string $script): array
    {
        Request::set($request);
        Request::script($script);
        $params = ['producttype' => 'other', 'action' => $request['action'], 'whmcsVersion' => ParamsBuilder::WHMCS_VERSION];
        if ($isAddon !== null) {
            $params['isAddon'] = $isAddon;
        }
        try {
            $definitions = ModuleLoader::call($module, 'ConfigOptions', $params);
        } finally {
            Request::clear();
        }
        return is_array($definitions) ? $definitions : [];
    }

    /**
     * Calls the module's ServiceSingleSignOn with the service's params.
     *
     * @return mixed
     */
    private function callSingleSignOn(int $serviceId)
    {
        return ModuleLoader::call($this->module, 'ServiceSingleSignOn', ParamsBuilder::forService($serviceId, $this->module));
    }

    /**
     * The module's error of the service's last failed action, as WHMCS keeps it for staff (module
     * queue); '' when none.
     */
    public function lastModuleError(int $serviceId): string
    {
        return (string) Capsule::table('tblmodulequeue')->where('service_id', $serviceId)
            ->orderBy('updated_at', 'desc')->orderBy('id', 'desc')->value('last_attempt_error');
    }

    /**
     * Setup > Configurable Options: an option (type: 1 dropdown, 2 radio, 3 yes/no, 4 quantity) with
     * its choices, in a group linked to $productId (0 = a group linked to no product); returns the
     * option id.
     *
     * @param list<string> $choices sub-option names (`key|Label` allowed)
     */
    public function addConfigurableOption(string $name, int $type, array $choices = [], int $productId = 0): int
    {
        $groupId = $productId === 0 ? 0 : $this->optionsGroupOf($productId);
        $optionId = (int) Capsule::table('tblproductconfigoptions')->insertGetId(['gid' => $groupId, 'optionname' => $name, 'optiontype' => $type]);
        foreach ($choices as $position => $choice) {
            Capsule::table('tblproductconfigoptionssub')->insert(['configid' => $optionId, 'optionname' => $choice, 'sortorder' => $position]);
        }
        return $optionId;
    }

    /** The harness's "Options" group linked to the product (made on first use). */
    private function optionsGroupOf(int $productId): int
    {
        $name = 'Options of product ' . $productId;
        $groupId = Capsule::table('tblproductconfiggroups')->where('name', $name)->value('id');
        if ($groupId === null) {
            $groupId = Capsule::table('tblproductconfiggroups')->insertGetId(['name' => $name]);
            Capsule::table('tblproductconfiglinks')->insert(['gid' => $groupId, 'pid' => $productId]);
        }
        return (int) $groupId;
    }

    /**
     * What the customer chose for one Configurable Option of the service (by option id), stored as
     * WHMCS stores it in tblhostingconfigoptions: a dropdown/radio option gets the sub-option named
     * $choice (whole, or its part before `|`); a yes/no or quantity option the quantity, with its
     * one sub-option when it has one.
     *
     * @param string|int $choice
     * @throws \InvalidArgumentException when the option is hidden (not on the order form) or a
     *                                   dropdown/radio option has no such sub-option
     */
    public function chooseConfigurableOption(int $serviceId, int $optionId, $choice): void
    {
        $option = Capsule::table('tblproductconfigoptions')->where('id', $optionId)->first(['optiontype', 'hidden']);
        if ($option !== null && (int) $option->hidden === 1) {
            throw new \InvalidArgumentException('Configurable Option ' . $optionId . ' is hidden: customers cannot choose it.');
        }
        $type = (string) ($option->optiontype ?? '');
        $subs = Capsule::table('tblproductconfigoptionssub')->where('configid', $optionId)->orderBy('sortorder')->orderBy('id')->get();
        $byQuantity = in_array($type, ['3', '4'], true);
        $sub = $byQuantity ? $subs->first() : $subs->first(static fn ($row): bool => in_array(
            (string) $choice,
            [(string) $row->optionname, explode('|', (string) $row->optionname)[0]],
            true
        ));
        if ($sub === null && !$byQuantity) {
            throw new \InvalidArgumentException('Configurable Option ' . $optionId . ' has no choice "' . $choice . '".');
        }
        Capsule::table('tblhostingconfigoptions')->updateOrInsert(
            ['relid' => $serviceId, 'configid' => $optionId],
            ['optionid' => $sub === null ? 0 : (int) $sub->id, 'qty' => $byQuantity ? (int) $choice : 0]
        );
    }

    /**
     * Setup > Products/Services > Configurable Options, as staff make a group orderable: every
     * sub-option of its options gets the monthly price $monthly in every currency, and *Hidden* is
     * unticked on its options.
     */
    public function offerConfigurableOptionsGroup(int $groupId, string $monthly): void
    {
        $optionIds = Capsule::table('tblproductconfigoptions')->where('gid', $groupId)->pluck('id')->all();
        $currencies = Capsule::table('tblcurrencies')->pluck('id')->all();
        foreach (Capsule::table('tblproductconfigoptionssub')->whereIn('configid', $optionIds)->pluck('id') as $subId) {
            foreach ($currencies as $currency) {
                Capsule::table('tblpricing')->updateOrInsert(
                    ['type' => 'configoptions', 'currency' => (int) $currency, 'relid' => (int) $subId],
                    ['monthly' => $monthly]
                );
            }
        }
        Capsule::table('tblproductconfigoptions')->whereIn('id', $optionIds)->update(['hidden' => 0]);
    }

    /** The tblhosting row. */
    public function service(int $serviceId): object
    {
        $row = Capsule::table('tblhosting')->where('id', $serviceId)->first();
        if ($row === null) {
            throw new \RuntimeException('Service ' . $serviceId . ' does not exist.');
        }
        return $row;
    }

    /** The stored value of one of the service's custom fields ('' when none). */
    public function customFieldValue(int $serviceId, string $key): string
    {
        $service = $this->service($serviceId);
        $field = $this->productCustomFields((int) $service->packageid)[$key] ?? null;
        if ($field === null) {
            return '';
        }
        return (string) Capsule::table('tblcustomfieldsvalues')->where('fieldid', $field->id)->where('relid', $serviceId)->value('value');
    }

    /** The service password as WHMCS decrypts it. */
    public function servicePassword(int $serviceId): string
    {
        return Crypto::decrypt((string) $this->service($serviceId)->password);
    }
}
