<?php

namespace WHMCS\Module\Server\kerioSingle;

use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The customer's overview of one mailbox service: what kerioSingle_ClientArea returns.
 *
 * It replaces WHMCS's overview tab (`tabOverviewReplacementTemplate`, rendered in every service
 * status) with templates/overview.tpl and hands the template one prepared `kerio` array of display
 * strings plus the `kslang` strings. The billing facts are WHMCS's own page variables, which WHMCS
 * passes to ClientArea as `templatevars` (already formatted and translated; money as price objects
 * that render as text); their text is copied into
 * `kerio.billing` so the template never depends on a page variable a WHMCS version lacks.
 * Live figures come from the engine's `account_info`; when Kerio cannot be reached the page falls
 * back to the usage WHMCS stored in tblhosting (written by UsageUpdate) and says so.
 */
final class ClientArea
{
    /** Template path as WHMCS resolves it inside the module folder. */
    public const TEMPLATE = 'templates/overview.tpl';
    /** The WHMCS page variables the billing card shows. */
    private const BILLING_FACTS = [
        'product', 'groupname', 'status', 'regdate', 'firstpaymentamount', 'recurringamount',
        'billingcycle', 'nextduedate', 'paymentmethod',
    ];
    /** Above this share of the quota the bar turns to the warning colour. */
    private const WARNING_PERCENT = 90.0;

    /** @var array<string, mixed> */
    private array $params;
    private Lang $lang;
    /** @var callable(string): array<string, mixed> */
    private $accountInfo;

    /**
     * @param array<string, mixed>                     $params      WHMCS module params of the service
     * @param callable(string): array<string, mixed> $accountInfo the engine's `account_info` result for an address;
     *                                                             throws EngineError or SettingsError when unavailable
     */
    public function __construct(array $params, Lang $lang, callable $accountInfo)
    {
        $this->params = $params;
        $this->lang = $lang;
        $this->accountInfo = $accountInfo;
    }

    /**
     * The array kerioSingle_ClientArea returns.
     *
     * @return array{tabOverviewReplacementTemplate: string, templateVariables: array<string, mixed>}
     */
    public function output(): array
    {
        return [
            'tabOverviewReplacementTemplate' => self::TEMPLATE,
            'templateVariables' => ['kerio' => $this->mailbox(), 'kslang' => $this->lang->all()],
        ];
    }

    /**
     * Every value the template shows about the mailbox, as display-ready strings.
     *
     * @return array<string, mixed>
     */
    private function mailbox(): array
    {
        $address = $this->address();
        $state = $this->serviceState();
        $provisioned = in_array($state, ['active', 'suspended'], true);
        $live = $provisioned ? $this->liveInfo($address) : null;
        if ($live !== null && ($live['status'] ?? '') === 'suspended') {
            $state = 'suspended';
        }
        $serviceId = (int) ($this->params['serviceid'] ?? 0);
        $connection = $this->connectionSettings();
        return [
            'address' => $address,
            'state' => $state,
            'state_label' => $this->statusLabel($state),
            'state_notice' => $this->stateNotice($state),
            'live' => $live !== null,
            'notice' => $provisioned && $live === null ? $this->unavailableNotice() : '',
            'plan_notices' => $provisioned ? PlanNotices::forCustomer($this->params, $this->lang, $live) : [],
            'quota' => $provisioned ? $this->quota($live) : null,
            'items' => $live === null ? $this->lang->get('ca_not_available') : $this->lang->number((float) ($live['items'] ?? 0), 0),
            'last_login' => $live === null ? $this->lang->get('ca_not_available') : $this->lastLogin($live),
            'settings' => $state === 'active' && $connection !== null ? $this->settingsRows($connection) : [],
            'webmail_url' => $connection === null ? '' : $connection->webmailUrl(),
            'show_webmail' => $state === 'active' && $connection !== null,
            'sso_enabled' => ProductSettings::fromParams($this->params)->ssoEnabled(),
            'sso_url' => 'clientarea.php?action=productdetails&id=' . $serviceId . '&dosinglesignon=1',
            'change_password_url' => 'clientarea.php?action=productdetails&id=' . $serviceId . '#tabChangepw',
            // only while Kerio answers: a page must not wait twice for a server that is down
            'password_rules' => $state === 'active' && $live !== null ? $this->passwordRules($address) : [],
            'billing' => $this->billingFacts(),
            'selfservice' => (new SelfServiceView($this->params, $this->lang))->cards($state),
        ];
    }

    /**
     * Product, price, cycle, dates and status as WHMCS formatted them for the page ('' when absent).
     * WHMCS 8 passes money values as price formatter objects (WHMCS\View\Formatter\Price), which
     * render as their formatted text; any value that renders as text is taken that way.
     *
     * @return array<string, string>
     */
    private function billingFacts(): array
    {
        $page = (array) ($this->params['templatevars'] ?? []);
        $facts = [];
        foreach (self::BILLING_FACTS as $name) {
            $facts[$name] = self::asText($page[$name] ?? null);
        }
        return $facts;
    }

    /**
     * A page variable as the text a template would print ('' for null, arrays and objects that do
     * not render as text; every PHP 8 class with __toString is Stringable).
     *
     * @param mixed $value
     */
    private static function asText($value): string
    {
        return is_scalar($value) || $value instanceof \Stringable ? (string) $value : '';
    }

    /**
     * What a new password must meet, in the client's language, shown next to "Change password": when
     * a client-area password change fails WHMCS shows only its own generic text, so the rules have to
     * be visible beforehand. They are the order form's rules for the mailbox's domain (the engine's
     * `password_rules`, cached per product and domain by OrderRules); [] when they cannot be had.
     *
     * @return list<string>
     */
    private function passwordRules(string $address): array
    {
        $at = strrpos($address, '@');
        $product = $at === false ? null : Capsule::table('tblproducts')->where('id', (int) ($this->params['pid'] ?? 0))->first();
        if ($product === null) {
            return [];
        }
        try {
            $rules = OrderRules::forProduct($product, ['domain' => substr($address, $at + 1)]);
        } catch (\Throwable $unavailable) {
            return [];
        }
        $known = $this->lang->all();
        $texts = [];
        foreach ((array) ($rules['password'] ?? []) as $rule) {
            $key = 'rule_' . (string) ($rule['id'] ?? '');
            $texts[] = isset($known[$key]) ? $this->lang->get($key, ['value' => (string) ($rule['value'] ?? '')]) : (string) ($rule['message'] ?? '');
        }
        return $texts;
    }

    /** The full address (WHMCS username after creation; before, what the order form asked for). */
    private function address(): string
    {
        $username = trim((string) ($this->params['username'] ?? ''));
        if ($username !== '') {
            return $username;
        }
        $fields = (array) ($this->params['customfields'] ?? []);
        $local = trim((string) ($fields[CustomFields::LOCALPART] ?? ''));
        $domain = trim((string) ($fields[CustomFields::MAILDOMAIN] ?? ''));
        return $local === '' || $domain === '' ? '' : strtolower($local . '@' . $domain);
    }

    /** WHMCS service status folded into what the customer needs to know. */
    private function serviceState(): string
    {
        $status = strtolower((string) ($this->params['status'] ?? ''));
        $states = ['active' => 'active', 'suspended' => 'suspended', 'pending' => 'pending'];
        return $states[$status] ?? 'closed';
    }

    /**
     * The badge text: the WHMCS status in the client's language ("Suspended" also when only Kerio
     * has the mailbox disabled, "Not active" for rare ones like Fraud).
     */
    private function statusLabel(string $state): string
    {
        if ($state === 'suspended') {
            return $this->lang->get('ca_status_suspended');
        }
        $status = strtolower((string) ($this->params['status'] ?? ''));
        $named = ['active', 'pending', 'terminated', 'cancelled'];
        return $this->lang->get(in_array($status, $named, true) ? 'ca_status_' . $status : 'ca_status_other');
    }

    private function stateNotice(string $state): string
    {
        $notices = ['suspended' => 'ca_suspended_notice', 'pending' => 'ca_pending_notice', 'closed' => 'ca_closed_notice'];
        return isset($notices[$state]) ? $this->lang->get($notices[$state]) : '';
    }

    /**
     * The engine's `account_info`, or null when Kerio (or the engine) cannot answer right now.
     *
     * @return array<string, mixed>|null
     */
    private function liveInfo(string $address): ?array
    {
        if ($address === '') {
            return null;
        }
        try {
            return ($this->accountInfo)($address);
        } catch (EngineError | SettingsError $unavailable) {
            return null;
        }
    }

    private function connectionSettings(): ?ConnectionSettings
    {
        try {
            return ConnectionSettings::fromParams($this->params);
        } catch (SettingsError $noServer) {
            return null;
        }
    }

    private function unavailableNotice(): string
    {
        $stored = $this->storedUsage();
        if ($stored === null || $stored['updated'] === '') {
            return $this->lang->get('ca_live_unavailable_no_usage');
        }
        return $this->lang->get('ca_live_unavailable', ['when' => $stored['updated']]);
    }

    /**
     * The quota bar: used and limit as text, bar width, whether to warn.
     *
     * @param array<string, mixed>|null $live
     * @return array<string, mixed>|null
     */
    private function quota(?array $live): ?array
    {
        $usage = $live === null ? $this->storedUsage() : [
            'used_mb' => (float) ($live['used_mb'] ?? 0),
            'limit_mb' => (float) ($live['quota_mb'] ?? 0),
        ];
        if ($usage === null) {
            return null;
        }
        $used = $this->size($usage['used_mb']);
        if ($usage['limit_mb'] <= 0) {
            return ['unlimited' => true, 'warning' => false, 'bar_percent' => '0', 'text' => $this->lang->get('ca_quota_unlimited', ['used' => $used])];
        }
        $percent = $usage['used_mb'] / $usage['limit_mb'] * 100;
        return [
            'unlimited' => false,
            'warning' => $percent > self::WARNING_PERCENT,
            'bar_percent' => number_format(min(100.0, $percent), 1, '.', ''),
            'text' => $this->lang->get('ca_quota_used_of', [
                'used' => $used,
                'limit' => $this->size($usage['limit_mb']),
                'percent' => $this->withoutTrailingZeros($this->lang->number($percent, $percent < 10 ? 1 : 0)),
            ]),
        ];
    }

    /**
     * Usage as UsageUpdate last stored it in tblhosting (MB), or null when the row cannot be read.
     *
     * @return array{used_mb: float, limit_mb: float, updated: string}|null
     */
    private function storedUsage(): ?array
    {
        try {
            $row = Capsule::table('tblhosting')->where('id', (int) ($this->params['serviceid'] ?? 0))
                ->first(['diskusage', 'disklimit', 'lastupdate']);
        } catch (\Exception $database) {
            return null;
        }
        if ($row === null) {
            return null;
        }
        $updated = (string) $row->lastupdate;
        $timestamp = strpos($updated, '0000-00-00') === 0 ? false : strtotime($updated);
        return [
            'used_mb' => (float) $row->diskusage,
            'limit_mb' => (float) $row->disklimit,
            'updated' => $timestamp === false ? '' : date($this->lang->get('date_time_format'), $timestamp),
        ];
    }

    /** "12.5 MB", "1.8 GB": MB below 1 GB, GB from there (1 GB = 1024 MB, as Kerio counts). */
    private function size(float $megabytes): string
    {
        [$value, $unit] = $megabytes >= 1024 ? [$megabytes / 1024, 'unit_gb'] : [$megabytes, 'unit_mb'];
        $decimals = $value < 10 ? 2 : ($value < 100 ? 1 : 0);
        return $this->withoutTrailingZeros($this->lang->number($value, $decimals)) . ' ' . $this->lang->get($unit);
    }

    /** "12.50" → "12.5", "2.00" → "2" (in the language's decimal notation). */
    private function withoutTrailingZeros(string $number): string
    {
        $point = $this->lang->get('number_decimal_point');
        if (strpos($number, $point) === false) {
            return $number;
        }
        return rtrim(rtrim($number, '0'), $point);
    }

    /**
     * @param array<string, mixed> $live
     */
    private function lastLogin(array $live): string
    {
        if (empty($live['last_login'])) {
            return $this->lang->get('ca_last_login_never');
        }
        $when = date($this->lang->get('date_time_format'), (int) $live['last_login']);
        $protocol = (string) ($live['last_login_protocol'] ?? '');
        return $protocol === '' ? $when : $this->lang->get('ca_last_login_via', ['when' => $when, 'protocol' => $protocol]);
    }

    /**
     * The mail-app settings with their labels resolved.
     *
     * @return list<array{service: string, label: string, host: string, url: string, port: string, security: string}>
     */
    private function settingsRows(ConnectionSettings $connection): array
    {
        $or = ' ' . $this->lang->get('ca_or') . ' ';
        $rows = [];
        foreach ($connection->rows() as $row) {
            $security = array_map(fn (string $kind): string => $this->lang->get('ca_security_' . $kind), $row['security']);
            $rows[] = [
                'service' => $row['service'],
                'label' => $this->lang->get('ca_proto_' . $row['service']),
                'host' => $row['url'] === '' ? $row['host'] : $row['url'],
                'port' => implode($or, $row['ports']),
                'security' => implode($or, $security),
            ];
        }
        return $rows;
    }
}
