{* clientareaproductdetails (Twenty-One-like): error alert, then the tabs with the module's overview. *}
{include file='header.tpl' title=$text.manage footer=''}
<h1 class="h3 mb-4">{$text.manage}</h1>
{if $error}
    <div class="alert alert-danger" role="alert" id="pageError">{$error}</div>
{/if}
{if $moduleError}
    {* the default theme prints a custom function's error unescaped: the module must escape it *}
    <div class="alert alert-danger" role="alert" id="pageError">{$text.action_failed} {$moduleError nofilter}</div>
{/if}
{if $notice}
    <div class="alert alert-success" role="status" id="pageNotice">{$notice}</div>
{/if}
{if $kind eq 'productdetails'}
    <ul class="nav nav-tabs responsive-tabs-sm mb-3">
        <li class="nav-item"><a class="nav-link active" href="#tabOverview" data-toggle="tab">{$text.overview}</a></li>
    </ul>
    <div class="tab-content">
        <div class="tab-pane fade show active" id="tabOverview" role="tabpanel">
            {$overview nofilter}
        </div>
        <div class="tab-pane fade" id="tabChangepw" role="tabpanel"></div>
    </div>
{/if}
{include file='footer.tpl' footer=''}
