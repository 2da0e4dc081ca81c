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

    /** Setup > Products > Create: a product using the module. */
    public function addProduct(string $name): int
    {
        $now = date('Y-m-d H:i:s');
        return (int) Capsule::table('tblproducts')->insertGetId([
            'type' => 'other', 'name' => $name, 'slug' => strtolower((string) preg_replace('/\W+/', '-', $name)),
            'paytype' => 'recurring', 'autosetup' => 'payment', 'servertype' => $this->module,
            'created_at' => $now, 'updated_at' => $now,
        ]);
    }

    /**
     * Opens the product's Module Settings tab: WHMCS calls ConfigOptions with the product id in
     * $_REQUEST['id'] (HTML-encoded like every request value).
     *
     * @return array<string, array<string, mixed>> the module's ConfigOptions definitions
     */
    public function openModuleSettings(int $productId): array
    {
        Request::set(['action' => 'edit', 'id' => (string) $productId]);
        $definitions = ModuleLoader::call($this->module, 'ConfigOptions', [
            'producttype' => 'other', 'isAddon' => false, 'whmcsVersion' => ParamsBuilder::WHMCS_VERSION,
        ]);
        Request::clear();
        return is_array($definitions) ? $definitions : [];
    }

    /**
     * Saves the Module Settings form: the value of the N-th ConfigOptions key goes to configoptionN
     * (yesno: true → 'on', false → ''), HTML-encoded as posted; then the page is shown again.
     *
     * @param array<string, string|bool|int> $valuesByKey ConfigOptions key => value
     */
    public function saveModuleSettings(int $productId, array $valuesByKey): void
    {
        $positions = array_flip(array_keys($this->openModuleSettings($productId)));
        $columns = [];
        foreach ($valuesByKey as $key => $value) {
            if (!isset($positions[$key])) {
                throw new \InvalidArgumentException('The module has no setting "' . $key . '".');
            }
            $stored = is_bool($value) ? ($value ? 'on' : '') : (string) $value;
            $columns['configoption' . ($positions[$key] + 1)] = Request::encode($stored);
        }
        Capsule::table('tblproducts')->where('id', $productId)->update($columns + ['updated_at' => date('Y-m-d H:i:s')]);
        $this->openModuleSettings($productId);
    }

    /**
     * The options of a setting with a `Loader` (WHMCS calls the loader with the params of the
     * product's server; here the given server).
     *
     * @return mixed the loader's answer (value => label)
     * @throws \Throwable whatever the loader throws (WHMCS shows its message)
     */
    public function loadSettingOptions(int $productId, string $key, int $serverId)
    {
        $loader = $this->openModuleSettings($productId)[$key]['Loader'] ?? null;
        if (!is_string($loader) || !function_exists($loader)) {
            throw new \InvalidArgumentException('The setting "' . $key . '" has no Loader function.');
        }
        return $loader(ParamsBuilder::forServer($serverId, $this->module));
    }

    /**
     * Follows a link on the product's Module Settings page: the product page is opened again with the
     * link's query parameters (HTML-encoded like every request value).
     *
     * @param array<string, string> $query e.g. ['kerioSingleOptionsGroup' => 'create', 'token' => …]
     * @return array<string, array<string, mixed>> the ConfigOptions definitions of the page shown
     */
    public function followModuleSettingsLink(int $productId, array $query): array
    {
        Request::set(['action' => 'edit', 'id' => (string) $productId, 'tab' => '3'] + $query);
        try {
            $definitions = ModuleLoader::call($this->module, 'ConfigOptions', [
                'producttype' => 'other', 'isAddon' => false, 'whmcsVersion' => ParamsBuilder::WHMCS_VERSION,
            ]);
        } finally {
            Request::clear();
        }
        return is_array($definitions) ? $definitions : [];
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
     * Checkout: a Pending service on the server with the order form's custom field values, which WHMCS
     * stores as posted (HTML-encoded).
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
            Capsule::table('tblcustomfieldsvalues')->insert([
                'fieldid' => $fields[$key]->id, 'relid' => $serviceId, 'value' => Request::encode($value),
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
     * Change Password. Admin/API: the new password is saved before the module runs. Client area: only
     * for Active services, and the old password is written back when the module fails.
     */
    public function changePassword(int $serviceId, string $newPassword, bool $fromClientArea = false): string
    {
        $before = $this->service($serviceId);
        if ($fromClientArea && $before->domainstatus !== 'Active') {
            return 'This product must be active to perform this action.';
        }
        Capsule::table('tblhosting')->where('id', $serviceId)->update(['password' => Crypto::encrypt($newPassword)]);
        $result = Dispatcher::run($serviceId, 'changepw');
        if ($result !== 'success' && $fromClientArea) {
            Capsule::table('tblhosting')->where('id', $serviceId)->update(['password' => $before->password]);
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
            $option = Capsule::table('tblproductconfigoptions as o')
                ->join('tblproductconfiglinks as l', 'l.gid', '=', 'o.gid')
                ->where('l.pid', $productId)
                ->where(static function ($query) use ($name): void {
                    $query->where('o.optionname', $name)->orWhere('o.optionname', 'like', $name . '|%');
                })
                ->first(['o.id', 'o.optiontype']);
            if ($option === null) {
                throw new \InvalidArgumentException('Product ' . $productId . ' has no Configurable Option "' . $name . '".');
            }
            $subs = Capsule::table('tblproductconfigoptionssub')->where('configid', $option->id)->orderBy('sortorder')->orderBy('id');
            $byQuantity = in_array((string) $option->optiontype, ['3', '4'], true);
            $sub = $byQuantity ? $subs->first() : $subs->get()->first(static fn ($row): bool => explode('|', (string) $row->optionname)[0] === (string) $value);
            if ($sub === null) {
                throw new \InvalidArgumentException('Configurable Option "' . $name . '" has no choice "' . $value . '".');
            }
            Capsule::table('tblhostingconfigoptions')->updateOrInsert(
                ['relid' => $serviceId, 'configid' => $option->id],
                ['optionid' => $sub->id, 'qty' => $byQuantity ? (int) $value : 0]
            );
        }
    }

    /**
     * Upgrade/downgrade of Configurable Options (paid upgrade order): the new choices are stored,
     * then ChangePackage runs for the same product.
     *
     * @param array<string, string|int> $choices see chooseConfigOptions()
     */
    public function changeConfigOptions(int $serviceId, array $choices): string
    {
        $this->chooseConfigOptions($serviceId, $choices);
        return Dispatcher::run($serviceId, 'upgrade');
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
     * A button of the module's AdminCustomButtonArray on the admin service page, by its label.
     *
     * @return string 'success' or the error WHMCS shows
     * @throws \InvalidArgumentException when the module has no such button
     */
    public function adminCustomButton(int $serviceId, string $label): string
    {
        $params = ParamsBuilder::forService($serviceId, $this->module);
        $buttons = (array) ModuleLoader::call($this->module, 'AdminCustomButtonArray', $params);
        $function = $buttons[$label] ?? null;
        if (!is_string($function)) {
            throw new \InvalidArgumentException('The module has no admin button "' . $label . '".');
        }
        return (string) ModuleLoader::call($this->module, $function, $params + ['action' => $function]);
    }

    /**
     * A client-area custom function (clientarea.php?action=productdetails&id=N&modop=custom&a=NAME):
     * only names listed by ClientAreaAllowedFunctions are routed; the form's fields arrive in $_POST
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
     * `$function` of the service's module, as clientarea.php does for `modop=custom`.
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
        $params = ParamsBuilder::forService($serviceId, $this->module) + ['action' => $function];
        return (string) ModuleLoader::call($this->module, $function, $params);
    }

    /**
     * The daily cron's usage task (once per enabled server).
     *
     * @return array<int, mixed> server id => module result
     */
    public function runDailyCron(): array
    {
        return Cron::updateServerUsage();
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
     * The client's "Open Webmail" (dosinglesignon=1): only for Active services.
     *
     * @return mixed the module's answer
     */
    public function singleSignOn(int $serviceId)
    {
        $service = $this->service($serviceId);
        if ($service->domainstatus !== 'Active') {
            return ['success' => false, 'errorMsg' => 'This product must be active to perform this action.'];
        }
        return ModuleLoader::call($this->module, 'ServiceSingleSignOn', ParamsBuilder::forService($serviceId, $this->module));
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
