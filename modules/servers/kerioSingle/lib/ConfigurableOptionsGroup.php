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
 * the product, every price 0.00 in every currency for the admin to edit. ServiceLimits reads the
 * choices back from $params['configoptions'].
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

    /** tblpricing fee columns, all set to 0.00. */
    private const PRICE_COLUMNS = ['msetupfee', 'qsetupfee', 'ssetupfee', 'asetupfee', 'bsetupfee', 'tsetupfee',
        'monthly', 'quarterly', 'semiannually', 'annually', 'biennially', 'triennially'];

    /** Request parameter of the admin's "Create Configurable Options group" link. */
    public const REQUEST_PARAMETER = 'kerioSingleOptionsGroup';

    /**
     * The control shown under the product's Module Settings: a link that creates the group (carrying
     * WHMCS's CSRF token), or — when the admin followed it — what happened. Following the link is
     * checked with check_token() before anything is written.
     *
     * @return string HTML (escaped)
     */
    public static function adminControl(int $productId): string
    {
        if (($_REQUEST[self::REQUEST_PARAMETER] ?? '') !== 'create') {
            $href = 'configproducts.php?action=edit&id=' . $productId . '&tab=3&' . self::REQUEST_PARAMETER . '=create'
                . generate_token('link');
            return '<a class="btn btn-default btn-sm" href="' . htmlspecialchars($href, ENT_QUOTES, 'UTF-8') . '">'
                . 'Create Configurable Options group (mailbox size, aliases)</a>';
        }
        check_token('WHMCS.admin.default');
        try {
            $outcome = self::ensureFor($productId);
        } catch (\Throwable $error) {
            return htmlspecialchars('Configurable Options group not created: ' . $error->getMessage(), ENT_QUOTES, 'UTF-8');
        }
        return htmlspecialchars(
            ($outcome['created'] ? 'Created' : 'Already linked:') . ' Configurable Options group #' . $outcome['group_id']
            . ' - edit its prices in Setup > Products/Services > Configurable Options.',
            ENT_QUOTES,
            'UTF-8'
        );
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
                'description' => 'Mailbox size and aliases for the kerioSingle product "' . (string) $product->name . '". Edit the prices.',
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
     * One option with its sub-options, each priced 0.00 in every currency.
     *
     * @param list<string> $choices sub-option names
     */
    private static function addOption(int $groupId, string $name, string $type, int $order, array $choices, int $qtyMaximum): void
    {
        $optionId = (int) Capsule::table('tblproductconfigoptions')->insertGetId([
            'gid' => $groupId, 'optionname' => $name, 'optiontype' => $type,
            'qtyminimum' => 0, 'qtymaximum' => $qtyMaximum, 'order' => $order, 'hidden' => 0,
        ]);
        $currencies = Capsule::table('tblcurrencies')->pluck('id')->all();
        foreach ($choices as $position => $choice) {
            $subId = (int) Capsule::table('tblproductconfigoptionssub')->insertGetId([
                'configid' => $optionId, 'optionname' => $choice, 'sortorder' => $position, 'hidden' => 0,
            ]);
            foreach ($currencies as $currency) {
                Capsule::table('tblpricing')->insert(
                    ['type' => 'configoptions', 'currency' => (int) $currency, 'relid' => $subId]
                    + array_fill_keys(self::PRICE_COLUMNS, '0.00')
                );
            }
        }
    }
}
