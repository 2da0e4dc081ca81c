{* upgrade.php?type=configoptions (harness): the customer's Configurable Options upgrade/downgrade. *}
{include file='header.tpl' title='Upgrade/Downgrade Options' footer=''}
<h1 class="h3 mb-3">Upgrade/Downgrade Options</h1>
{if $result eq 'success'}<div class="alert alert-success" role="status" id="upgradeDone">Upgrade/Downgrade completed</div>
{elseif $result}<div class="alert alert-danger" role="alert" id="upgradeError">{$result}</div>{/if}
<form method="post" action="/upgrade.php?type=configoptions&amp;id={$serviceId}" id="frmUpgradeOptions">
    <input type="hidden" name="token" value="{$token}">
    <div class="card"><div class="card-body">
    {foreach $options as $option}
        <div class="form-group row">
            <label class="col-sm-4 col-form-label" for="option-{$option.name}">{$option.label}</label>
            <div class="col-sm-8">
            {if $option.quantity}
                <input type="number" min="0" max="{$option.max}" class="form-control w-auto" id="option-{$option.name}" name="option[{$option.name}]" value="{$option.qty}">
            {else}
                <select class="form-control w-auto" id="option-{$option.name}" name="option[{$option.name}]">
                {foreach $option.choices as $choice}
                    <option value="{$choice.value}"{if $choice.id eq $option.chosen} selected{/if}>{$choice.label}</option>
                {/foreach}
                </select>
            {/if}
            </div>
        </div>
    {/foreach}
    </div></div>
    <button type="submit" class="btn btn-primary mt-3" id="btnUpgrade">Click to Continue</button>
</form>
{include file='footer.tpl' footer=''}
