<?php

namespace KerioSingle\Harness;

use WHMCS\Database\Capsule;

/**
 * The Module Settings tab of WHMCS 8's admin product page (Configuration > System Settings >
 * Products/Services > edit), walked as an admin walks it:
 *
 * - the tab is loaded by AJAX: a POST whose body carries only `action, module, servergroup, id,
 *   type, atype, mode` (the page's own query string is not sent), and ConfigOptions runs twice per
 *   load, first without `isAddon` (to see whether any field has `SimpleMode`), then with
 *   `isAddon` false (to draw the fields);
 * - when any field has `SimpleMode` the tab opens in Simple Mode and draws only those fields, with a
 *   switch to Advanced Mode that draws them all;
 * - in Simple Mode a drawn text/dropdown/radio field with a `Loader` gets its options from it (with
 *   a server of the product's server group), becoming a dropdown; its failure is a warning;
 * - a drawn field shows the stored value, or its `Default` while the product holds no Module
 *   Settings of the module (nothing stored yet) [I];
 * - Save posts only the drawn fields (an unticked yes/no box posts nothing and is stored as '');
 *   every field that was not drawn keeps its stored value (none, for a new product); it rewrites
 *   tblproductconfiglinks from the groups ticked on the product form (drawn when the page loaded),
 *   rebuilds the cached module-hook list (ModuleHooks), then runs ProductEdit.
 */
final class AdminProductPage
{
    /** Only the fields with `SimpleMode` are drawn. */
    public const SIMPLE = 'simple';
    /** Every field is drawn. */
    public const ADVANCED = 'advanced';
    /** The admin script of the product page (its AJAX posts go to it). */
    public const SCRIPT = '/admin/configproducts.php';

    private string $module;
    private int $productId;
    private string $mode = self::ADVANCED;
    /** @var array<string, array<string, mixed>> the module's definitions of the last load */
    private array $definitions = [];
    /** @var list<int> the Configurable Options groups the form drew ticked (linked when it loaded) */
    private array $tickedGroups = [];
    /** @var array<string, string> key => the warning icon's tooltip of a Loader that gave no options */
    private array $loaderWarnings = [];

    /** What the page shows for a Loader when the product's server group has no server [I: wording]. */
    public const NO_SERVER = 'No server found in the product\'s server group to load the options from.';
    /** Field types whose options a Loader fills. */
    private const LOADER_TYPES = ['text', 'dropdown', 'radio'];

    /**
     * @param string $module the module picked in the tab's dropdown
     */
    public function __construct(string $module, int $productId)
    {
        $this->module = $module;
        $this->productId = $productId;
    }

    /**
     * Opens the Module Settings tab (or re-loads it in $mode, as the Simple/Advanced switch does):
     * two AJAX ConfigOptions calls, then the drawn fields.
     *
     * @param string|null $mode null = the mode WHMCS picks (Simple when any field has SimpleMode)
     * @return array<string, array<string, mixed>> the drawn fields: key => definition
     */
    public function open(?string $mode = null): array
    {
        $this->tickedGroups = array_map('intval', Capsule::table('tblproductconfiglinks')->where('pid', $this->productId)->pluck('gid')->all());
        $this->ajaxConfigOptions($mode ?? '', null);
        $hasSimpleMode = $this->simpleModeKeys() !== [];
        $this->mode = $mode ?? ($hasSimpleMode ? self::SIMPLE : self::ADVANCED);
        $this->ajaxConfigOptions($this->mode, false);
        $this->runLoaders();
        return $this->drawnFields();
    }

    /**
     * The warnings of the last load's Loaders (a thrown \Exception's message, or NO_SERVER).
     *
     * @return array<string, string> key => text
     */
    public function loaderWarnings(): array
    {
        return $this->loaderWarnings;
    }

    /** Whether the tab shows the "switch to Advanced Mode" link (some field has SimpleMode). */
    public function offersAdvancedMode(): bool
    {
        return $this->mode === self::SIMPLE;
    }

    /** simple | advanced: the mode of the last load. */
    public function mode(): string
    {
        return $this->mode;
    }

    /**
     * The drawn fields of the last load.
     *
     * @return array<string, array<string, mixed>> key => definition
     */
    public function drawnFields(): array
    {
        if ($this->mode === self::ADVANCED) {
            return $this->definitions;
        }
        return array_intersect_key($this->definitions, array_flip($this->simpleModeKeys()));
    }

    /**
     * What the form shows in each drawn field: the stored value, or the field's Default while the
     * product has no Module Settings stored for the module (never saved on this tab with it) [I].
     *
     * @return array<string, string> key => value ('on' / '' for yes/no)
     */
    public function formValues(): array
    {
        $product = (array) Capsule::table('tblproducts')->where('id', $this->productId)->first();
        $savedWithModule = self::hasModuleSettings($product, $this->module);
        $positions = array_flip(array_keys($this->definitions));
        $values = [];
        foreach ($this->drawnFields() as $key => $definition) {
            $stored = (string) ($product['configoption' . ($positions[$key] + 1)] ?? '');
            $values[$key] = $savedWithModule ? $stored : self::defaultOf($definition);
        }
        return $values;
    }

    /**
     * Presses Save: the drawn fields are posted with the form's values changed by $typed; fields not
     * drawn keep their stored values; the product is saved with the module; its Configurable Options
     * links are rewritten from the groups the form drew ticked; the cached module-hook list is
     * rebuilt and the ProductEdit hooks run; then the tab is loaded again in the same mode.
     *
     * @param array<string, string|bool|int> $typed key => what the admin typed/ticked in a drawn field
     * @throws \InvalidArgumentException for a field the module does not have or the page does not show
     */
    public function save(array $typed = []): void
    {
        $form = $this->formValues();
        foreach ($typed as $key => $value) {
            if (!isset($this->definitions[$key])) {
                throw new \InvalidArgumentException('The module has no setting "' . $key . '".');
            }
            if (!array_key_exists($key, $form)) {
                throw new \InvalidArgumentException('The setting "' . $key . '" is not shown in ' . $this->mode . ' mode; switch to advanced mode first.');
            }
            $form[$key] = is_bool($value) ? ($value ? 'on' : '') : (string) $value;
        }
        $positions = array_flip(array_keys($this->definitions));
        $columns = [];
        foreach ($form as $key => $value) {
            $columns['configoption' . ($positions[$key] + 1)] = self::posted($this->definitions[$key], $value);
        }
        Hooks::loadModuleHooks();
        Capsule::table('tblproducts')->where('id', $this->productId)
            ->update($columns + ['servertype' => $this->module, 'updated_at' => date('Y-m-d H:i:s')]);
        $this->writeGroupLinks();
        Hooks::productSaved($this->productId);
        $this->open($this->mode);
    }

    /**
     * Simple Mode only: each drawn text/dropdown/radio field with a `Loader` gets its options from
     * the Loader, called with the params of a server of the product's server group; the field
     * becomes a dropdown, with its stored value added when it is not among the options. A thrown
     * \Exception becomes the field's warning; any other \Throwable fails the AJAX (is thrown).
     */
    private function runLoaders(): void
    {
        $this->loaderWarnings = [];
        if ($this->mode !== self::SIMPLE) {
            return;
        }
        $values = $this->formValues();
        foreach ($this->drawnFields() as $key => $field) {
            $loader = $field['Loader'] ?? null;
            if (!is_string($loader) || !function_exists($loader) || !in_array($field['Type'] ?? '', self::LOADER_TYPES, true)) {
                continue;
            }
            $serverId = $this->serverOfGroup();
            if ($serverId === null) {
                $this->loaderWarnings[$key] = self::NO_SERVER;
                continue;
            }
            try {
                $options = (array) $loader(ParamsBuilder::forServer($serverId, $this->module));
            } catch (\Exception $error) {
                $this->loaderWarnings[$key] = $error->getMessage();
                continue;
            }
            if ($values[$key] !== '' && !array_key_exists($values[$key], $options)) {
                $options[$values[$key]] = $values[$key];
            }
            $this->definitions[$key] = ['Type' => 'dropdown', 'Options' => $options] + $field;
        }
    }

    /** The first enabled server of the product's server group, or null. */
    private function serverOfGroup(): ?int
    {
        $groupId = (int) Capsule::table('tblproducts')->where('id', $this->productId)->value('servergroup');
        $serverId = Capsule::table('tblservergroupsrel as r')->join('tblservers as s', 's.id', '=', 'r.serverid')
            ->where('r.groupid', $groupId)->where('s.disabled', 0)->orderBy('s.id')->value('s.id');
        return $serverId === null ? null : (int) $serverId;
    }

    /**
     * Save rewrites the product's tblproductconfiglinks from the groups ticked on the form (as the
     * form drew them when it loaded).
     */
    private function writeGroupLinks(): void
    {
        Capsule::table('tblproductconfiglinks')->where('pid', $this->productId)->delete();
        foreach ($this->tickedGroups as $groupId) {
            Capsule::table('tblproductconfiglinks')->insert(['gid' => $groupId, 'pid' => $this->productId]);
        }
    }

    /**
     * One AJAX load of the tab: the body WHMCS posts, ConfigOptions with or without `isAddon`.
     *
     * @param bool|null $isAddon null = the key is not passed at all
     */
    private function ajaxConfigOptions(string $mode, ?bool $isAddon): void
    {
        $product = Capsule::table('tblproducts')->where('id', $this->productId)->first();
        Request::set([], [
            'action' => 'module-settings', 'module' => $this->module,
            'servergroup' => (string) ($product->servergroup ?? '0'), 'id' => (string) $this->productId,
            'type' => (string) ($product->type ?? 'other'), 'atype' => '', 'mode' => $mode,
        ]);
        Request::script(self::SCRIPT);
        $params = ['producttype' => (string) ($product->type ?? 'other'), 'whmcsVersion' => ParamsBuilder::WHMCS_VERSION];
        if ($isAddon !== null) {
            $params['isAddon'] = $isAddon;
        }
        try {
            $definitions = ModuleLoader::call($this->module, 'ConfigOptions', $params);
        } finally {
            Request::clear();
        }
        $this->definitions = is_array($definitions) ? $definitions : [];
    }

    /**
     * Whether the product holds Module Settings of $module: saved with it and some configoptionN set.
     *
     * @param array<string, mixed> $product tblproducts row
     */
    private static function hasModuleSettings(array $product, string $module): bool
    {
        if (($product['servertype'] ?? '') !== $module) {
            return false;
        }
        for ($position = 1; $position <= 24; $position++) {
            if ((string) ($product['configoption' . $position] ?? '') !== '') {
                return true;
            }
        }
        return false;
    }

    /** @return list<string> keys of the fields with SimpleMode */
    private function simpleModeKeys(): array
    {
        return array_keys(array_filter($this->definitions, static fn ($field): bool => !empty($field['SimpleMode'])));
    }

    /**
     * The value a drawn field starts with on a product not yet saved with the module.
     *
     * @param array<string, mixed> $definition
     */
    private static function defaultOf(array $definition): string
    {
        $default = $definition['Default'] ?? '';
        if (($definition['Type'] ?? '') === 'yesno') {
            return in_array(strtolower((string) $default), ['on', 'yes', '1', 'true'], true) || $default === true ? 'on' : '';
        }
        return is_scalar($default) ? (string) $default : '';
    }

    /**
     * What Save stores for a drawn field (WHMCS decodes the posted value [I]): a yes/no box 'on'
     * when ticked, '' when not (an unticked box posts nothing).
     *
     * @param array<string, mixed> $definition
     */
    private static function posted(array $definition, string $value): string
    {
        if (($definition['Type'] ?? '') === 'yesno') {
            return $value === '' ? '' : 'on';
        }
        return $value;
    }
}
