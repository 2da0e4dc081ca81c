<?php

namespace WHMCS\Module\Server\kerioSingle;

use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * Creates a ready Configurable Options group for a product, stored the way WHMCS 8 stores one made
 * in Setup > Products/Services > Configurable Options: a *Mailbox size* dropdown (`quota_mb`, one
 * sub-option per size, value in MB before `|`) and an *Aliases* quantity (`max_aliases`), linked to
 * the product. Its options are created **hidden and without prices**: customers cannot order them
 * (for free or at all) until staff price them and untick *Hidden*. ServiceLimits reads the choices
 * back from $params['configoptions'].
 *
 * The admin asks for it with the Module Setting *Create the Configurable Options group*
 * (configoption11): the ProductEdit hook, which WHMCS runs after Save has written the product's
 * group links, creates the group and switches the setting off (createIfAsked); the Module Settings
 * tab then says what exists (status).
 */
final class ConfigurableOptionsGroup
{
    /** WHMCS optiontype of a dropdown. */
    private const TYPE_DROPDOWN = '1';
    /** WHMCS optiontype of a quantity. */
    private const TYPE_QUANTITY = '4';

    /** Mailbox sizes offered by the dropdown: MB => label. */
    private const SIZES = [1024 => '1 GB', 2048 => '2 GB', 5120 => '5 GB', 10240 => '10 GB', 25600 => '25 GB', 51200 => '50 GB'];

    /** Most aliases the quantity option lets a customer order. */
    private const MAX_ALIASES_ORDERABLE = 10;

    /** Position of the "Create the Configurable Options group" setting (configoption11). */
    private const SETTING = 'configoption11';

    /**
     * The ProductEdit hook's part: when the saved product has *Create the Configurable Options
     * group* ticked, the group is created (once) and the setting is switched off. Never throws: a
     * failure is logged and the setting stays on, so the next Save tries again.
     */
    public static function createIfAsked(int $productId): void
    {
        $asked = (string) Capsule::table('tblproducts')->where('id', $productId)->value(self::SETTING);
        if (!in_array(strtolower($asked), ['on', 'yes', '1', 'true'], true)) {
            return;
        }
        try {
            self::ensureFor($productId);
            Capsule::table('tblproducts')->where('id', $productId)->update([self::SETTING => '']);
        } catch (\Throwable $error) {
            (new ModuleLog('ProductEdit', []))->failure(['product' => $productId], 'Configurable Options group not created: ' . $error->getMessage());
        }
    }

    /**
     * What the Module Settings tab says about the product's group ('' when none is linked): its
     * number and whether customers can order its options yet.
     *
     * @return string HTML (escaped)
     */
    public static function status(int $productId): string
    {
        $groupId = $productId > 0 ? self::linkedGroupWithQuotaOption($productId) : null;
        if ($groupId === null) {
            return '';
        }
        $hidden = Capsule::table('tblproductconfigoptions')->where('gid', $groupId)->where('hidden', 1)->exists();
        $text = 'Configurable Options group #' . $groupId . ' is linked to this product. ' . ($hidden
            ? 'Its options are hidden and have no prices: customers cannot order them until you price them and untick '
              . '"Hidden" in Setup > Products/Services > Configurable Options.'
            : 'Customers can order its options.');
        return '<br><span id="kerioSingleOptionsGroupStatus">' . htmlspecialchars($text, ENT_QUOTES, 'UTF-8') . '</span>';
    }

    /**
     * Creates the group once: when a group linked to the product already has a `quota_mb` option,
     * nothing is written and that group's id is returned. All rows are written in one transaction.
     *
     * @return array{group_id: int, created: bool}
     * @throws SettingsError when the product does not exist
     */
    public static function ensureFor(int $productId): array
    {
        $product = Capsule::table('tblproducts')->where('id', $productId)->first(['id', 'name']);
        if ($product === null) {
            throw new SettingsError('Product ' . $productId . ' does not exist; save the product first.');
        }
        $existing = self::linkedGroupWithQuotaOption($productId);
        if ($existing !== null) {
            return ['group_id' => $existing, 'created' => false];
        }
        $groupId = Capsule::connection()->transaction(static function () use ($product): int {
            $groupId = (int) Capsule::table('tblproductconfiggroups')->insertGetId([
                'name' => 'Mailbox options - ' . (string) $product->name,
                'description' => 'Mailbox size and aliases for the kerioSingle product "' . (string) $product->name . '". Price the options, then untick Hidden.',
            ]);
            Capsule::table('tblproductconfiglinks')->insert(['gid' => $groupId, 'pid' => (int) $product->id]);
            $sizes = [];
            foreach (self::SIZES as $megabytes => $label) {
                $sizes[] = $megabytes . '|' . $label;
            }
            self::addOption($groupId, ServiceLimits::OPTION_QUOTA_MB . '|Mailbox size', self::TYPE_DROPDOWN, 1, $sizes, 0);
            self::addOption($groupId, ServiceLimits::OPTION_MAX_ALIASES . '|Aliases', self::TYPE_QUANTITY, 2, ['Alias'], self::MAX_ALIASES_ORDERABLE);
            return $groupId;
        });
        return ['group_id' => $groupId, 'created' => true];
    }

    /**
     * The id of a group linked to the product that has a `quota_mb` option, or null.
     */
    private static function linkedGroupWithQuotaOption(int $productId): ?int
    {
        $groupId = Capsule::table('tblproductconfiglinks as l')
            ->join('tblproductconfigoptions as o', 'o.gid', '=', 'l.gid')
            ->where('l.pid', $productId)
            ->where(static function ($query): void {
                $query->where('o.optionname', ServiceLimits::OPTION_QUOTA_MB)
                    ->orWhere('o.optionname', 'like', ServiceLimits::OPTION_QUOTA_MB . '|%');
            })
            ->value('l.gid');
        return $groupId === null ? null : (int) $groupId;
    }

    /**
     * One option with its sub-options, hidden and without prices (staff price them and show them).
     *
     * @param list<string> $choices sub-option names
     */
    private static function addOption(int $groupId, string $name, string $type, int $order, array $choices, int $qtyMaximum): void
    {
        $optionId = (int) Capsule::table('tblproductconfigoptions')->insertGetId([
            'gid' => $groupId, 'optionname' => $name, 'optiontype' => $type,
            'qtyminimum' => 0, 'qtymaximum' => $qtyMaximum, 'order' => $order, 'hidden' => 1,
        ]);
        foreach ($choices as $position => $choice) {
            Capsule::table('tblproductconfigoptionssub')->insert([
                'configid' => $optionId, 'optionname' => $choice, 'sortorder' => $position, 'hidden' => 0,
            ]);
        }
    }
}
