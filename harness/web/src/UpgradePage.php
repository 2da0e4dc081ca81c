<?php

namespace KerioSingle\Harness\Web;

use KerioSingle\Harness\CsrfFailure;
use KerioSingle\Harness\CsrfToken;
use KerioSingle\Harness\Session;
use KerioSingle\Harness\Whmcs;
use WHMCS\Database\Capsule;

/**
 * The customer's Configurable Options upgrade page (upgrade.php?type=configoptions&id=N): the
 * options of the groups linked to the service's product that are not hidden, with the current
 * choices; submitting runs the upgrade as WHMCS processes a paid upgrade order
 * (Whmcs::changeConfigOptions: one tblupgrades row and one ChangePackage per changed option). The
 * order, invoice and payment steps in between are left out [I].
 */
final class UpgradePage
{
    private Whmcs $whmcs;

    public function __construct(string $module = 'kerioSingle')
    {
        $this->whmcs = new Whmcs($module);
    }

    /**
     * @param array<string, string> $get  id
     * @param array<string, mixed>  $post option[name], token
     */
    public function configOptions(array $get, array $post, bool $isPost): Response
    {
        $service = Capsule::table('tblhosting')->where('id', (int) ($get['id'] ?? 0))->first();
        if ($service === null || Session::clientId() === 0 || (int) $service->userid !== Session::clientId()) {
            return new Response(403, 'Please log in to continue.', ['Content-Type' => 'text/plain']);
        }
        $result = '';
        if ($isPost) {
            try {
                CsrfToken::check();
            } catch (CsrfFailure $invalid) {
                return new Response(403, $invalid->getMessage(), ['Content-Type' => 'text/plain']);
            }
            $result = $this->whmcs->changeConfigOptions((int) $service->id, self::chosen((array) ($post['option'] ?? [])));
        }
        return new Response(200, View::render('upgrade.tpl', [
            'text' => PageText::for('english'), 'serviceId' => (int) $service->id, 'options' => self::options($service),
            'result' => $result, 'token' => CsrfToken::current(),
        ]));
    }

    /**
     * @param array<string, mixed> $posted option name => sub-option name or quantity
     * @return array<string, string|int>
     */
    private static function chosen(array $posted): array
    {
        $chosen = [];
        foreach ($posted as $name => $value) {
            $chosen[(string) $name] = ctype_digit((string) $value) && strpos((string) $value, '|') === false ? (int) $value : (string) $value;
        }
        return $chosen;
    }

    /**
     * The orderable options of the service's product with the service's current choice.
     *
     * @return list<array<string, mixed>>
     */
    private static function options(object $service): array
    {
        $rows = Capsule::table('tblproductconfigoptions as o')
            ->join('tblproductconfiglinks as l', 'l.gid', '=', 'o.gid')
            ->where('l.pid', (int) $service->packageid)->where('o.hidden', 0)
            ->orderBy('o.order')->orderBy('o.id')->get(['o.id', 'o.optionname', 'o.optiontype', 'o.qtymaximum']);
        $options = [];
        foreach ($rows as $row) {
            $current = Capsule::table('tblhostingconfigoptions')->where('relid', (int) $service->id)->where('configid', (int) $row->id)->first();
            $subs = Capsule::table('tblproductconfigoptionssub')->where('configid', (int) $row->id)->orderBy('sortorder')->get(['id', 'optionname']);
            [$name, $label] = array_pad(explode('|', (string) $row->optionname, 2), 2, (string) $row->optionname);
            $options[] = [
                'name' => $name, 'label' => $label, 'quantity' => (int) $row->optiontype === 4, 'max' => (int) $row->qtymaximum,
                'qty' => (int) ($current->qty ?? 0), 'chosen' => (int) ($current->optionid ?? 0),
                'choices' => $subs->map(static fn ($sub): array => ['id' => (int) $sub->id, 'value' => explode('|', (string) $sub->optionname)[0],
                    'label' => explode('|', (string) $sub->optionname)[1] ?? (string) $sub->optionname])->all(),
            ];
        }
        return $options;
    }
}
