{* kerioSingle client area overview (replaces the standard overview tab). Every value is escaped. *}
<div class="kerio-single-overview">
    <h3>{$lang.overviewTitle|escape:'html'}</h3>
    {if $address eq ''}
        <p>{$lang.notProvisioned|escape:'html'}</p>
    {else}
        <table class="table">
            <tr><th>{$lang.address|escape:'html'}</th><td class="kerio-address">{$address|escape:'html'}</td></tr>
            <tr><th>{$lang.status|escape:'html'}</th><td>{$status|escape:'html'}</td></tr>
            {if $usage ne ''}
                <tr><th>{$lang.quota|escape:'html'}</th><td class="kerio-quota">{$usage|escape:'html'}</td></tr>
            {/if}
        </table>
        {if $error ne ''}
            <div class="alert alert-warning">{$error|escape:'html'}</div>
        {/if}
        {if $ssoEnabled && $status eq 'Active'}
            <a class="btn btn-primary" href="clientarea.php?action=productdetails&amp;id={$moduleParams.serviceid|escape:'url'}&amp;dosinglesignon=1">{$lang.openWebmail|escape:'html'}</a>
        {/if}
    {/if}
</div>
