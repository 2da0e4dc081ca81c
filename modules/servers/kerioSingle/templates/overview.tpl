{*
  kerioSingle: the overview tab of a mailbox service (returned as tabOverviewReplacementTemplate,
  so it renders in every service status and shows the billing facts itself).
  Variables: $kerio (prepared by lib/ClientArea.php; $kerio.billing holds WHMCS's formatted page
  variables product, groupname, status, regdate, firstpaymentamount, recurringamount, billingcycle,
  nextduedate, paymentmethod) and $kslang (lang/<language>.php). Every value is escaped.
  Markup follows WHMCS Twenty-One (Bootstrap 4 cards).
*}
<style>
    {* WCAG AA contrast (4.5:1) for the module's own elements whatever the theme's Bootstrap defaults *}
    .kerio-single .btn-primary { background-color: #0062cc; border-color: #005cbf; color: #fff; }
    .kerio-single .badge-success { background-color: #1e7e34; }
    .kerio-single .badge-danger { background-color: #bd2130; }
    .kerio-single a:not(.btn) { color: #0056b3; text-decoration: underline; }
    .kerio-single .text-danger { color: #b21f2d !important; }
    .kerio-single .text-success { color: #1e7e34 !important; }
    .kerio-single .text-muted { color: #5f6670 !important; }
</style>
<div class="kerio-single" id="kerioSingleOverview">
    {if $kerio.state_notice}
        <div class="alert {if $kerio.state eq 'suspended'}alert-danger{else}alert-info{/if}" role="alert" id="kerioStateNotice">
            {$kerio.state_notice|escape}
        </div>
    {/if}
    {if $kerio.notice}
        <div class="alert alert-warning" role="status" id="kerioLiveNotice">{$kerio.notice|escape}</div>
    {/if}
    {foreach $kerio.plan_notices as $planNotice}
        <div class="alert alert-warning kerio-plan-notice" role="status">{$planNotice|escape}</div>
    {/foreach}

    <div class="row">
        <div class="col-lg-7 mb-4">
            <div class="card h-100">
                <div class="card-header">
                    <h3 class="card-title mb-0">{$kslang.ca_mailbox_title|escape}</h3>
                </div>
                <div class="card-body">
                    <p class="text-muted small mb-1">{$kslang.ca_address|escape}</p>
                    <p class="h4 text-break mb-2" id="kerioAddress">{$kerio.address|escape}</p>
                    <p class="mb-0">
                        <span class="sr-only">{$kslang.ca_status|escape}:</span>
                        <span class="badge badge-pill {if $kerio.state eq 'active'}badge-success{elseif $kerio.state eq 'suspended'}badge-danger{elseif $kerio.state eq 'pending'}badge-warning{else}badge-secondary{/if}" id="kerioStatus" data-state="{$kerio.state|escape}">
                            {$kerio.state_label|escape}
                        </span>
                    </p>

                    {if $kerio.quota}
                        <h4 class="h6 mt-4 mb-2">{$kslang.ca_storage|escape}</h4>
                        {if !$kerio.quota.unlimited}
                            <div class="progress" style="height: 1.25rem;">
                                <div class="progress-bar {if $kerio.quota.warning}bg-warning{else}bg-primary{/if}" id="kerioQuotaBar"
                                     role="progressbar" style="width: {$kerio.quota.bar_percent|escape}%;"
                                     aria-valuenow="{$kerio.quota.bar_percent|escape}" aria-valuemin="0" aria-valuemax="100"
                                     aria-label="{$kslang.ca_storage|escape}"></div>
                            </div>
                        {/if}
                        <p class="small mt-2 mb-0" id="kerioQuotaText">{$kerio.quota.text|escape}</p>
                        {if $kerio.quota.warning}
                            <p class="small text-danger mt-1 mb-0" id="kerioQuotaWarning">{$kslang.ca_quota_warning|escape}</p>
                        {/if}
                    {/if}

                    <dl class="row mt-4 mb-0">
                        <dt class="col-sm-5">{$kslang.ca_items|escape}</dt>
                        <dd class="col-sm-7" id="kerioItems">{$kerio.items|escape}</dd>
                        <dt class="col-sm-5">{$kslang.ca_last_login|escape}</dt>
                        <dd class="col-sm-7 mb-0" id="kerioLastLogin">{$kerio.last_login|escape}</dd>
                    </dl>

                    {if $kerio.show_webmail}
                        <hr>
                        <div class="d-flex flex-wrap align-items-center">
                            <a class="btn btn-primary mr-2 mb-2" id="kerioWebmailButton" target="_blank" rel="noopener noreferrer"
                               href="{if $kerio.sso_enabled}{$kerio.sso_url|escape}{else}{$kerio.webmail_url|escape}{/if}">
                                {$kslang.ca_open_webmail|escape}
                            </a>
                            <a class="btn btn-outline-secondary mb-2" id="kerioChangePassword" href="{$kerio.change_password_url|escape}">
                                {$kslang.ca_change_password|escape}
                            </a>
                        </div>
                        {if $kerio.password_rules}
                            <p class="small text-muted mb-1" id="kerioPasswordRules">{$kslang.ca_password_rules|escape}
                                {foreach $kerio.password_rules as $rule}{$rule|escape}{if !$rule@last}; {/if}{/foreach}.</p>
                        {/if}
                        <p class="small text-muted mb-0" id="kerioWebmailHint">
                            {if $kerio.sso_enabled}{$kslang.ca_webmail_sso_hint|escape}{else}{$kslang.ca_webmail_login_hint|escape}{/if}
                            {$kslang.ca_webmail|escape}:
                            <a href="{$kerio.webmail_url|escape}" id="kerioWebmailUrl" target="_blank" rel="noopener noreferrer">{$kerio.webmail_url|escape}</a>
                        </p>
                    {/if}
                </div>
            </div>
        </div>

        <div class="col-lg-5 mb-4">
            <div class="card h-100" id="kerioBilling">
                <div class="card-header">
                    <h3 class="card-title mb-0">{$kslang.ca_billing_title|escape}</h3>
                </div>
                <div class="card-body">
                    <dl class="mb-0">
                        <dt>{$kslang.ca_product|escape}</dt>
                        <dd>{if $kerio.billing.groupname}{$kerio.billing.groupname|escape} – {/if}{$kerio.billing.product|escape}</dd>
                        <dt>{$kslang.ca_status|escape}</dt>
                        <dd>{$kerio.billing.status|escape}</dd>
                        <dt>{$kslang.ca_registered|escape}</dt>
                        <dd>{$kerio.billing.regdate|escape}</dd>
                        {if $kerio.billing.firstpaymentamount neq $kerio.billing.recurringamount}
                            <dt>{$kslang.ca_first_payment|escape}</dt>
                            <dd id="kerioFirstPayment">{$kerio.billing.firstpaymentamount|escape}</dd>
                        {/if}
                        <dt>{$kslang.ca_recurring|escape}</dt>
                        <dd id="kerioRecurring">{$kerio.billing.recurringamount|escape}</dd>
                        <dt>{$kslang.ca_billing_cycle|escape}</dt>
                        <dd id="kerioBillingCycle">{$kerio.billing.billingcycle|escape}</dd>
                        <dt>{$kslang.ca_next_due|escape}</dt>
                        <dd id="kerioNextDue">{$kerio.billing.nextduedate|escape}</dd>
                        {if $kerio.billing.paymentmethod}
                            <dt>{$kslang.ca_payment_method|escape}</dt>
                            <dd class="mb-0">{$kerio.billing.paymentmethod|escape}</dd>
                        {/if}
                    </dl>
                </div>
            </div>
        </div>
    </div>

    {if $kerio.selfservice}
        {if $kerio.selfservice.unavailable}
            <div class="alert alert-warning" role="status" id="kerioSelfServiceUnavailable">{$kerio.selfservice.unavailable|escape}</div>
        {else}
            {if $kerio.selfservice.read_only}
                <div class="alert alert-secondary" role="status" id="kerioSelfServiceReadOnly">{$kerio.selfservice.read_only|escape}</div>
            {/if}
            <div class="row">
                {if $kerio.selfservice.aliases}
                    {assign var=ksAliases value=$kerio.selfservice.aliases}
                    <div class="col-lg-6 mb-4">
                        <div class="card h-100" id="kerioAliases">
                            <div class="card-header d-flex justify-content-between align-items-center">
                                <h3 class="card-title mb-0">{$kslang.ss_aliases_title|escape}</h3>
                                <span class="badge badge-pill badge-light" id="kerioAliasesUsed">{$ksAliases.used|escape}</span>
                            </div>
                            <div class="card-body">
                                <p class="small text-muted">{$kslang.ss_aliases_intro|escape}</p>
                                {if $ksAliases.list}
                                    <ul class="list-group mb-3" id="kerioAliasList">
                                        {foreach $ksAliases.list as $entry}
                                            <li class="list-group-item d-flex justify-content-between align-items-center">
                                                <span class="text-break">{$entry.alias|escape}</span>
                                                {if $kerio.state eq 'active'}
                                                    <form method="post" action="{$ksAliases.remove_url|escape}" class="mb-0"
                                                          onsubmit="return window.confirm(this.getAttribute('data-confirm'));"
                                                          data-confirm="{$entry.confirm|escape}">
                                                        <input type="hidden" name="token" value="{$kerio.selfservice.token|escape}">
                                                        <input type="hidden" name="alias" value="{$entry.alias|escape}">
                                                        <button type="submit" class="btn btn-sm btn-outline-danger">
                                                            {$kslang.ss_alias_remove|escape}<span class="sr-only"> {$entry.alias|escape}</span>
                                                        </button>
                                                    </form>
                                                {/if}
                                            </li>
                                        {/foreach}
                                    </ul>
                                {else}
                                    <p id="kerioAliasNone">{$kslang.ss_aliases_none|escape}</p>
                                {/if}
                                {if $ksAliases.can_add}
                                    <form method="post" action="{$ksAliases.add_url|escape}" id="kerioAliasForm" novalidate>
                                        <input type="hidden" name="token" value="{$kerio.selfservice.token|escape}">
                                        <div class="form-group">
                                            <label for="kerioAliasInput">{$kslang.ss_alias_label|escape}</label>
                                            <div class="input-group">
                                                <input type="text" class="form-control" id="kerioAliasInput" name="alias" maxlength="64"
                                                       autocomplete="off" spellcheck="false" aria-describedby="kerioAliasDomain kerioRules-localpart">
                                                <div class="input-group-append">
                                                    <span class="input-group-text" id="kerioAliasDomain">@{$ksAliases.domain|escape}</span>
                                                </div>
                                            </div>
                                            <input type="hidden" id="kerioAliasDomainValue" value="{$ksAliases.domain|escape}">
                                        </div>
                                        <button type="submit" class="btn btn-primary">{$kslang.ss_alias_add|escape}</button>
                                    </form>
                                    {$ksAliases.live_check nofilter}
                                {elseif $ksAliases.full && $kerio.state eq 'active'}
                                    <p class="small text-muted mb-0" id="kerioAliasesFull">{$kslang.ss_aliases_full|escape}</p>
                                {/if}
                            </div>
                        </div>
                    </div>
                {/if}
                {if $kerio.selfservice.forwarding}
                    {assign var=ksForward value=$kerio.selfservice.forwarding}
                    <div class="col-lg-6 mb-4">
                        <div class="card h-100" id="kerioForwarding">
                            <div class="card-header">
                                <h3 class="card-title mb-0">{$kslang.ss_forwarding_title|escape}</h3>
                            </div>
                            <div class="card-body">
                                <p class="small text-muted">{$kslang.ss_forwarding_intro|escape}</p>
                                <p id="kerioForwardingStatus">{$ksForward.status|escape}</p>
                                {if $ksForward.paused}
                                    <p class="text-danger small" id="kerioForwardingPaused">{$ksForward.paused|escape}</p>
                                {/if}
                                {if $ksForward.editable}
                                    <form method="post" action="{$ksForward.url|escape}" id="kerioForwardingForm">
                                        <input type="hidden" name="token" value="{$kerio.selfservice.token|escape}">
                                        <div class="form-group">
                                            <label for="kerioForwardTo">{$ksForward.label|escape}</label>
                                            <textarea class="form-control" id="kerioForwardTo" name="forward_to" rows="3" maxlength="2000"
                                                      spellcheck="false">{$ksForward.targets|escape}</textarea>
                                        </div>
                                        <input type="hidden" name="keep_copy" value="0">
                                        <div class="custom-control custom-switch mb-3">
                                            <input type="checkbox" class="custom-control-input" id="kerioKeepCopy" name="keep_copy" value="1"{if $ksForward.keep_copy} checked{/if}>
                                            <label class="custom-control-label" for="kerioKeepCopy">{$kslang.ss_forwarding_keep_copy|escape}</label>
                                        </div>
                                        <button type="submit" class="btn btn-primary mr-2">{$kslang.ss_forwarding_save|escape}</button>
                                    </form>
                                    {if $ksForward.targets}
                                        <form method="post" action="{$ksForward.url|escape}" class="mt-2" id="kerioForwardingOffForm">
                                            <input type="hidden" name="token" value="{$kerio.selfservice.token|escape}">
                                            <input type="hidden" name="forward_to" value="">
                                            <button type="submit" class="btn btn-outline-secondary">{$kslang.ss_forwarding_off|escape}</button>
                                        </form>
                                    {/if}
                                {/if}
                            </div>
                        </div>
                    </div>
                {/if}
            </div>
        {/if}
    {/if}

    {if $kerio.settings}
        <div class="card mb-4" id="kerioSettings">
            <div class="card-header">
                <h3 class="card-title mb-0">{$kslang.ca_settings_title|escape}</h3>
            </div>
            <div class="card-body">
                <p class="small text-muted">{$kslang.ca_settings_intro|escape}</p>
                <p class="mb-3">{$kslang.ca_username|escape}: <strong class="text-break">{$kerio.address|escape}</strong></p>
                <div class="table-responsive">
                    <table class="table table-sm table-striped mb-2">
                        <thead>
                            <tr>
                                <th scope="col">{$kslang.ca_col_service|escape}</th>
                                <th scope="col">{$kslang.ca_col_server|escape}</th>
                                <th scope="col">{$kslang.ca_col_port|escape}</th>
                                <th scope="col">{$kslang.ca_col_security|escape}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {foreach $kerio.settings as $row}
                                <tr data-service="{$row.service|escape}">
                                    <th scope="row">{$row.label|escape}</th>
                                    <td class="text-break text-monospace">{$row.host|escape}</td>
                                    <td>{$row.port|escape}</td>
                                    <td>{$row.security|escape}</td>
                                </tr>
                            {/foreach}
                        </tbody>
                    </table>
                </div>
                <p class="small text-muted mb-0">{$kslang.ca_smtp_auth_note|escape}</p>
            </div>
        </div>
    {/if}
</div>
