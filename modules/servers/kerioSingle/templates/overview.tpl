{* kerioSingle client area overview (replaces the standard overview tab); variables from lib/ClientArea.php. Every value is escaped. *}
<div class="kerio-single-overview">
    <h3>{$kslang.ca_mailbox_title|escape:'html'}</h3>
    <table class="table">
        <tr><th>{$kslang.ca_address|escape:'html'}</th><td class="kerio-address">{$kerio.address|escape:'html'}</td></tr>
        <tr><th>{$kslang.ca_status|escape:'html'}</th><td class="kerio-status">{$kerio.state_label|escape:'html'}</td></tr>
        {if $kerio.quota}
            <tr><th>{$kslang.ca_storage|escape:'html'}</th><td class="kerio-quota">{$kerio.quota.text|escape:'html'}</td></tr>
        {/if}
    </table>
    {if $kerio.state_notice ne ''}<div class="alert alert-info">{$kerio.state_notice|escape:'html'}</div>{/if}
    {if $kerio.notice ne ''}<div class="alert alert-warning">{$kerio.notice|escape:'html'}</div>{/if}
    {if $kerio.show_webmail && $kerio.sso_enabled}
        <a class="btn btn-primary" href="{$kerio.sso_url|escape:'html'}">{$kslang.ca_open_webmail|escape:'html'}</a>
    {/if}
</div>
