{* cart.php?a=confproduct (standard_cart-like): the product's order-form custom fields. *}
{include file='header.tpl' title=$text.configure}
<h1 class="h3 mb-4">{$text.configure}: {$product->name}</h1>
{if $errors}
    <div class="alert alert-danger" role="alert" id="orderErrors">
        <ul class="mb-0">{foreach $errors as $message}<li>{$message}</li>{/foreach}</ul>
    </div>
{/if}
{if $accepted}
    <div class="alert alert-success" role="status" id="orderAccepted">{$text.order_ok}</div>
{/if}
<form method="post" action="/cart.php?a=confproduct&amp;pid={$product->id}" id="frmConfigureProduct" class="card">
    <div class="card-body">
        {foreach $fields as $field}
            <div class="form-group">
                <label for="customfield{$field.id}">{$field.label}{if $field.required} *{/if}</label>
                {if $field.type eq 'dropdown'}
                    <select name="customfield[{$field.id}]" id="customfield{$field.id}" class="form-control custom-select">
                        {foreach $field.options as $option}
                            <option value="{$option}"{if $option eq $field.value} selected{/if}>{$option}</option>
                        {/foreach}
                    </select>
                {else}
                    <input type="{if $field.type eq 'password'}password{else}text{/if}" name="customfield[{$field.id}]"
                           id="customfield{$field.id}" value="{$field.value}" class="form-control"
                           {if $field.type eq 'password'}autocomplete="new-password"{/if}>
                {/if}
                {if $field.description}<small class="form-text text-muted">{$field.description}</small>{/if}
            </div>
        {/foreach}
        <button type="submit" class="btn btn-primary" id="btnCompleteProductConfig">{$text.continue}</button>
    </div>
</form>
{include file='footer.tpl'}
