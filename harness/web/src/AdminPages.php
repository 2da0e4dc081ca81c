<?php

namespace KerioSingle\Harness\Web;

use KerioSingle\Harness\AdminProductPage;
use KerioSingle\Harness\CsrfFailure;
use KerioSingle\Harness\CsrfToken;
use KerioSingle\Harness\Session;
use KerioSingle\Harness\Whmcs;
use WHMCS\Database\Capsule;

/**
 * The admin product page's Module Settings tab in the browser (configproducts.php?action=edit&id=N),
 * over AdminProductPage: Simple Mode first when a field has SimpleMode, a link to Advanced Mode,
 * the drawn fields (Loader dropdowns and their warnings, each Description printed as the module
 * wrote it, as WHMCS does), Save posting only the drawn fields with WHMCS's CSRF token.
 */
final class AdminPages
{
    private Whmcs $whmcs;

    public function __construct(string $module = 'kerioSingle')
    {
        $this->whmcs = new Whmcs($module);
    }

    /**
     * GET shows the tab (`mode=advanced` after the switch); POST saves the drawn fields.
     *
     * @param array<string, string> $get id, mode
     * @param array<string, mixed>  $post setting[key], mode, token
     */
    public function productModuleSettings(array $get, array $post, bool $isPost): Response
    {
        $productId = (int) ($get['id'] ?? 0);
        if (Session::adminId() === 0 || Capsule::table('tblproducts')->where('id', $productId)->doesntExist()) {
            return new Response(Session::adminId() === 0 ? 403 : 404, 'Admin login and an existing product required', ['Content-Type' => 'text/plain']);
        }
        if ($isPost) {
            try {
                CsrfToken::check();
            } catch (CsrfFailure $invalid) {
                return new Response(403, $invalid->getMessage(), ['Content-Type' => 'text/plain']);
            }
        }
        $mode = (string) ($isPost ? ($post['mode'] ?? '') : ($get['mode'] ?? ''));
        $page = $this->whmcs->productPage($productId);
        $page->open($mode === AdminProductPage::ADVANCED ? AdminProductPage::ADVANCED : null);
        $notice = '';
        if ($isPost) {
            $page->save(self::typed($page, (array) ($post['setting'] ?? [])));
            $notice = 'Changes Saved Successfully!';
        }
        return new Response(200, View::render('adminproduct.tpl', [
            'text' => PageText::for('english'), 'productId' => $productId, 'mode' => $page->mode(),
            'advancedLink' => $page->offersAdvancedMode(), 'fields' => self::fields($page), 'notice' => $notice,
            'token' => CsrfToken::current(),
        ]));
    }

    /**
     * What the admin's browser posted for the drawn fields (an unticked box posts nothing).
     *
     * @param array<string, mixed> $posted
     * @return array<string, string|bool>
     */
    private static function typed(AdminProductPage $page, array $posted): array
    {
        $typed = [];
        foreach ($page->drawnFields() as $key => $field) {
            $typed[$key] = ($field['Type'] ?? '') === 'yesno' ? isset($posted[$key]) : (string) ($posted[$key] ?? '');
        }
        return $typed;
    }

    /**
     * The drawn fields as the template draws them.
     *
     * @return list<array<string, mixed>>
     */
    private static function fields(AdminProductPage $page): array
    {
        $values = $page->formValues();
        $warnings = $page->loaderWarnings();
        $fields = [];
        foreach ($page->drawnFields() as $key => $field) {
            $fields[] = [
                'key' => $key, 'label' => (string) ($field['FriendlyName'] ?? $key), 'type' => (string) ($field['Type'] ?? 'text'),
                'value' => $values[$key] ?? '', 'options' => (array) ($field['Options'] ?? []),
                'description' => (string) ($field['Description'] ?? ''), 'warning' => $warnings[$key] ?? '',
            ];
        }
        return $fields;
    }
}
