<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * What the client area's Aliases and Forwarding cards show, as display-ready values: the lists,
 * "3 of 5 used", the forms' targets and CSRF token, and — for a service that is not Active — the
 * read-only reason. Only the service's own mailbox is ever read (lib/SelfService.php).
 */
final class SelfServiceView
{
    /** @var array<string, mixed> */
    private array $params;
    private Lang $lang;

    /**
     * @param array<string, mixed> $params WHMCS module params of the service
     */
    public function __construct(array $params, Lang $lang)
    {
        $this->params = $params;
        $this->lang = $lang;
    }

    /**
     * The cards' values, or null when the product offers neither aliases nor forwarding or the
     * mailbox is not provisioned.
     *
     * @param string $state the overview's state: active, suspended, pending, closed
     * @return array<string, mixed>|null
     */
    public function cards(string $state): ?array
    {
        if (!in_array($state, ['active', 'suspended'], true)) {
            return null;
        }
        try {
            $mailbox = SelfService::state($this->params, 'ClientArea');
            if ($mailbox === null) {
                return null;
            }
            $maxAliases = ServiceLimits::fromParams($this->params)->maxAliases();
            $product = ProductSettings::fromParams($this->params);
        } catch (EngineError | SettingsError $unavailable) {
            return ['unavailable' => $this->lang->get('ss_unavailable')];
        }
        return [
            'unavailable' => '',
            'read_only' => $state === 'active' ? '' : $this->lang->get('ss_read_only', ['reason' => $this->lang->get('ss_refused_suspended')]),
            'token' => generate_token('plain'),
            'aliases' => $maxAliases > 0 ? $this->aliasCard($mailbox, $maxAliases, $state) : null,
            'forwarding' => $product->forwardingEnabled() ? $this->forwardingCard($mailbox, $product->maxForwardTargets(), $state) : null,
        ];
    }

    /**
     * @param array<string, mixed> $mailbox the engine's `aliases` answer
     * @return array<string, mixed>
     */
    private function aliasCard(array $mailbox, int $maxAliases, string $state): array
    {
        $aliases = array_map('strval', (array) ($mailbox['aliases'] ?? []));
        $address = (string) ($mailbox['address'] ?? '');
        $removals = [];
        foreach ($aliases as $alias) {
            $removals[] = ['alias' => $alias, 'confirm' => $this->lang->get('ss_alias_remove_confirm', ['alias' => $alias])];
        }
        return [
            'list' => $removals,
            'used' => $this->lang->get('ss_aliases_used', ['used' => (string) count($aliases), 'max' => (string) $maxAliases]),
            'domain' => (string) substr((string) strrchr($address, '@'), 1),
            'can_add' => $state === 'active' && count($aliases) < $maxAliases,
            'live_check' => OrderForm::aliasCheck((int) ($this->params['pid'] ?? 0), $this->lang),
            'full' => count($aliases) >= $maxAliases,
            'add_url' => $this->actionUrl('AddAlias'),
            'remove_url' => $this->actionUrl('RemoveAlias'),
        ];
    }

    /**
     * @param array<string, mixed> $mailbox the engine's `aliases` answer
     * @return array<string, mixed>
     */
    private function forwardingCard(array $mailbox, int $maxTargets, string $state): array
    {
        $targets = array_map('strval', (array) ($mailbox['forward_to'] ?? []));
        return [
            'targets' => implode("\n", $targets),
            'status' => $targets === [] ? $this->lang->get('ss_forwarding_status_off')
                : $this->lang->get('ss_forwarding_status_on', ['targets' => implode(', ', $targets)]),
            'paused' => $targets !== [] && ($mailbox['status'] ?? '') === 'suspended' ? $this->lang->get('ss_forwarding_paused') : '',
            'keep_copy' => ($mailbox['keep_copy'] ?? true) === true,
            'label' => $this->lang->get('ss_forwarding_to_label', ['max' => (string) $maxTargets]),
            'editable' => $state === 'active',
            'url' => $this->actionUrl('SetForwarding'),
        ];
    }

    /** The client area URL WHMCS routes to the custom function `$function` of this service. */
    private function actionUrl(string $function): string
    {
        return 'clientarea.php?action=productdetails&id=' . (int) ($this->params['serviceid'] ?? 0) . '&modop=custom&a=' . $function;
    }
}
