{* Admin > Products/Services > edit > Module Settings (harness). Descriptions are printed as the module wrote them, as WHMCS does. *}
{include file='header.tpl' title='Module Settings' footer=''}
<h1 class="h3 mb-3">Module Settings</h1>
{if $notice}<div class="alert alert-success" role="status" id="pageNotice">{$notice}</div>{/if}
<form method="post" action="/admin/configproducts.php?action=edit&amp;id={$productId}" id="frmModuleSettings" data-mode="{$mode}">
    <input type="hidden" name="token" value="{$token}">
    <input type="hidden" name="mode" value="{$mode}">
    <table class="table table-sm bg-white">
    {foreach $fields as $field}
        <tr id="setting-{$field.key}">
            <th scope="row" class="w-25"><label for="input-{$field.key}">{$field.label}</label></th>
            <td>
            {if $field.type eq 'yesno'}
                <input type="checkbox" id="input-{$field.key}" name="setting[{$field.key}]" value="on"{if $field.value} checked{/if}>
            {elseif $field.type eq 'dropdown'}
                <select id="input-{$field.key}" name="setting[{$field.key}]" class="form-control form-control-sm d-inline-block w-auto">
                {foreach $field.options as $value => $label}
                    <option value="{$value}"{if $value eq $field.value} selected{/if}>{$label}</option>
                {/foreach}
                </select>
            {else}
                <input type="text" id="input-{$field.key}" name="setting[{$field.key}]" value="{$field.value}" class="form-control form-control-sm d-inline-block w-auto">
            {/if}
            {if $field.warning}<span class="text-warning loader-warning" title="{$field.warning}" role="img" aria-label="{$field.warning}">&#9888;</span>{/if}
            <small class="form-text text-muted">{$field.description nofilter}</small>
            </td>
        </tr>
    {/foreach}
    </table>
    {if $advancedLink}<p><a href="/admin/configproducts.php?action=edit&amp;id={$productId}&amp;mode=advanced" id="switchToAdvanced">Switch to Advanced Mode</a></p>{/if}
    <button type="submit" class="btn btn-primary" id="btnSaveModuleSettings">Save Changes</button>
</form>
{include file='footer.tpl' footer=''}
