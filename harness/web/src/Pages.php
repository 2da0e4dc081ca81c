<?php

namespace KerioSingle\Harness\Web;

use KerioSingle\Harness\CsrfFailure;
use KerioSingle\Harness\Hooks;
use KerioSingle\Harness\ModuleLoader;
use KerioSingle\Harness\ParamsBuilder;
use KerioSingle\Harness\Session;
use KerioSingle\Harness\Templates;
use KerioSingle\Harness\Whmcs;
use WHMCS\Database\Capsule;
use WHMCS\View\Formatter\Price;

/**
 * The WHMCS client-area pages the browser tests need, built like WHMCS builds them:
 * the product details page (ClientArea with the page variables, the replacement template in the
 * overview tab, dosinglesignon), the cart's configure-product step (custom fields, hooks) and a
 * harness-only login.
 */
final class Pages
{
    private string $module;
    private Whmcs $whmcs;

    public function __construct(string $module = 'kerioSingle')
    {
        $this->module = $module;
        $this->whmcs = new Whmcs($module);
        Hooks::loadModuleHooks();
    }

    /**
     * Harness only: log in as a client (WHMCS's login form sets the same session key).
     *
     * @param array<string, string> $get client, then (optional, a local path) next
     */
    public function login(array $get): Response
    {
        $clientId = (int) ($get['client'] ?? 0);
        if (Capsule::table('tblclients')->where('id', $clientId)->doesntExist()) {
            return new Response(404, 'No client ' . $clientId, ['Content-Type' => 'text/plain']);
        }
        session_regenerate_id(true);
        Session::loginClient($clientId);
        $next = (string) ($get['next'] ?? 'clientarea.php');
        return Response::redirect(preg_match('#^[a-z]+\.php(\?[^\s]*)?$#', $next) === 1 ? $next : 'clientarea.php');
    }

    /**
     * Harness only: log in to the admin area as a staff member (WHMCS's admin login sets the same
     * session key); the client session, if any, stays.
     *
     * @param array<string, string> $get admin
     */
    public function adminLogin(array $get): Response
    {
        $adminId = (int) ($get['admin'] ?? 0);
        if (Capsule::table('tbladmins')->where('id', $adminId)->where('disabled', 0)->doesntExist()) {
            return new Response(404, 'No staff member ' . $adminId, ['Content-Type' => 'text/plain']);
        }
        session_regenerate_id(true);
        Session::loginAdmin($adminId);
        return new Response(200, 'Logged in as staff member ' . $adminId, ['Content-Type' => 'text/plain']);
    }

    /**
     * admin/clientsservices.php?id=N&dosinglesignon=1: the AJAX call behind the admin service page's
     * "Open Webmail" button (ServiceSingleSignOnLabel): `window|URL` for the page to open in a new
     * tab, or "Module Command Error" with the module's errorMsg (Whmcs::adminSingleSignOnAnswer).
     *
     * @param array<string, string> $get id
     */
    public function adminServiceSingleSignOn(array $get): Response
    {
        $adminId = Session::adminId();
        $serviceId = (int) ($get['id'] ?? 0);
        if ($adminId === 0 || Capsule::table('tblhosting')->where('id', $serviceId)->doesntExist()) {
            return new Response($adminId === 0 ? 403 : 404, $adminId === 0 ? 'Admin login required' : 'No service ' . $serviceId, ['Content-Type' => 'text/plain']);
        }
        return new Response(200, $this->whmcs->adminSingleSignOnAnswer($serviceId, $adminId), ['Content-Type' => 'text/plain; charset=utf-8']);
    }

    /**
     * clientarea.php?action=productdetails&id=N[&dosinglesignon=1]
     *
     * @param array<string, string> $get
     */
    public function productDetails(array $get): Response
    {
        $clientId = Session::clientId();
        $text = PageText::for($this->clientLanguage($clientId));
        $service = Capsule::table('tblhosting')->where('id', (int) ($get['id'] ?? 0))->first();
        if ($clientId === 0 || $service === null || (int) $service->userid !== $clientId) {
            $message = $clientId === 0 ? $text['login_required'] : $text['not_found'];
            return new Response($clientId === 0 ? 403 : 404, $this->page($text, $message, '', ''));
        }
        $error = '';
        $notice = '';
        $moduleError = '';
        if (($get['modop'] ?? '') === 'custom' && $_SERVER['REQUEST_METHOD'] === 'POST') {
            try {
                [$notice, $error, $moduleError] = $this->customFunction((int) $service->id, (string) ($get['a'] ?? ''), $text);
            } catch (CsrfFailure $invalid) {
                // WHMCS ends the client's session and sends the browser to the login page
                return Response::redirect('clientarea.php');
            }
        }
        if (($get['dosinglesignon'] ?? '') === '1') {
            $result = $this->whmcs->singleSignOn((int) $service->id);
            if (is_array($result) && ($result['success'] ?? false) === true) {
                return Response::redirect((string) $result['redirectTo']);
            }
            // WHMCS shows its generic text, never the module's errorMsg
            $error = Whmcs::CLIENT_SSO_FAILED;
        }
        return new Response(200, $this->page($text, $error, $this->overviewTab($service, $text), 'productdetails', $notice, $moduleError));
    }

    /**
     * clientarea.php?action=productdetails&id=N&modop=custom&a=NAME (POST): WHMCS's own refusal
     * (service not Active, no `manageproducts`) without calling the module, else the module's custom
     * function, then the page with "Action Completed Successfully!" or "Action Failed " and the
     * function's error printed raw, as the default theme prints it.
     *
     * @param array<string, string> $text
     * @return array{0: string, 1: string, 2: string} notice, WHMCS's error (escaped), the module's error (raw)
     * @throws CsrfFailure when the module refused the token (the session has ended)
     */
    private function customFunction(int $serviceId, string $function, array $text): array
    {
        $refusal = $this->whmcs->customFunctionRefusal($serviceId);
        if ($refusal !== null) {
            return ['', $refusal, ''];
        }
        try {
            $result = $this->whmcs->routeClientCustomFunction($serviceId, $function);
        } catch (\InvalidArgumentException $unknown) {
            return ['', $text['not_found'], ''];
        }
        return $result === 'success' ? [$text['custom_success'], '', ''] : ['', '', $result];
    }

    /**
     * cart.php?a=confproduct&pid=N: the product's order-form custom fields; a POST runs the
     * ShoppingCartValidateProductUpdate hooks like WHMCS and either shows their errors or accepts.
     *
     * @param array<string, mixed> $get
     * @param array<string, mixed> $post
     */
    public function configureProduct(array $get, array $post): Response
    {
        $product = Capsule::table('tblproducts')->where('id', (int) ($get['pid'] ?? 0))->first();
        $text = PageText::for($this->clientLanguage(Session::clientId()));
        if ($product === null) {
            return new Response(404, $this->page($text, $text['not_found'], '', ''));
        }
        $_SESSION['cart']['products'][0] = ['pid' => (int) $product->id];
        $errors = [];
        $accepted = false;
        if ($post !== []) {
            $errors = $this->flatten(run_hook('ShoppingCartValidateProductUpdate', $post + ['i' => 0]));
            $accepted = $errors === [];
        }
        $pageVars = ['filename' => 'cart', 'templatefile' => 'configureproduct', 'productinfo' => ['pid' => (int) $product->id, 'name' => $product->name],
            'language' => $this->clientLanguage(Session::clientId())];
        $body = View::render('configureproduct.tpl', [
            'text' => $text, 'product' => $product, 'fields' => $this->orderFields((int) $product->id, (array) (ParamsBuilder::decode($post)['customfield'] ?? [])),
            'errors' => $errors, 'accepted' => $accepted,
            'footer' => implode("\n", array_map('strval', run_hook('ClientAreaFooterOutput', $pageVars))),
        ]);
        return new Response(200, $body);
    }

    /**
     * The module's overview tab: ClientArea gets the params plus `templatevars`; the replacement
     * template gets the page variables, `moduleParams` and the module's variables.
     */
    private function overviewTab(object $service, array $text): string
    {
        $params = ParamsBuilder::forService((int) $service->id, $this->module);
        $pageVars = $this->pageVariables($service, $text);
        $output = ModuleLoader::call($this->module, 'ClientArea', $params + [
            'clientareatemplate' => Templates::THEME, 'templatevars' => $pageVars,
        ]);
        if (!is_array($output) || !isset($output['tabOverviewReplacementTemplate'])) {
            throw new \RuntimeException('ClientArea of ' . $this->module . ' returned no replacement template.');
        }
        $variables = ParamsBuilder::decode((array) ($output['templateVariables'] ?? [])) + $pageVars + ['moduleParams' => $params];
        return Templates::render($this->module, (string) $output['tabOverviewReplacementTemplate'], $variables);
    }

    /**
     * The product details page variables WHMCS gives every template (Twenty-One names).
     *
     * @param array<string, string> $text
     * @return array<string, mixed>
     */
    private function pageVariables(object $service, array $text): array
    {
        $product = Capsule::table('tblproducts')->where('id', $service->packageid)->first();
        $status = (string) $service->domainstatus;
        return [
            'id' => (int) $service->id, 'serviceid' => (int) $service->id,
            'product' => (string) ($product->name ?? ''), 'groupname' => '',
            'domain' => (string) $service->domain, 'username' => (string) $service->username,
            'regdate' => PageText::date($service->regdate),
            // WHMCS 8 passes money as price formatter objects, not strings
            'firstpaymentamount' => new Price($service->firstpaymentamount),
            'recurringamount' => new Price($service->amount),
            'billingcycle' => $text[(string) $service->billingcycle] ?? (string) $service->billingcycle,
            'nextduedate' => PageText::date($service->nextduedate),
            'paymentmethod' => $text[(string) $service->paymentmethod] ?? (string) $service->paymentmethod,
            'status' => $text[$status] ?? $status, 'rawstatus' => strtolower($status),
            'diskusage' => (int) $service->diskusage, 'disklimit' => (int) $service->disklimit,
            'lastupdate' => (string) $service->lastupdate,
        ];
    }

    /**
     * Custom fields shown on the order form, with what was posted.
     *
     * @param array<int|string, string> $posted
     * @return list<array<string, mixed>>
     */
    private function orderFields(int $productId, array $posted): array
    {
        $rows = Capsule::table('tblcustomfields')->where('type', 'product')->where('relid', $productId)
            ->where('adminonly', '')->where('showorder', 'on')->orderBy('sortorder')->orderBy('id')->get();
        $fields = [];
        foreach ($rows as $row) {
            $fields[] = [
                'id' => (int) $row->id,
                'label' => explode('|', (string) $row->fieldname, 2)[1] ?? (string) $row->fieldname,
                'type' => (string) $row->fieldtype,
                'required' => $row->required === 'on',
                'description' => (string) $row->description,
                'options' => array_values(array_filter(array_map('trim', explode(',', (string) $row->fieldoptions)))),
                // like WHMCS, a posted password is not sent back to the browser
                'value' => $row->fieldtype === 'password' ? '' : (string) ($posted[$row->id] ?? ''),
            ];
        }
        return $fields;
    }

    /**
     * @param list<mixed> $results hook returns (strings or lists of strings)
     * @return list<string>
     */
    private function flatten(array $results): array
    {
        $messages = [];
        array_walk_recursive($results, static function ($message) use (&$messages): void {
            if ((string) $message !== '') {
                $messages[] = (string) $message;
            }
        });
        return $messages;
    }

    /** The client's language setting ('' = the system default, English). */
    private function clientLanguage(int $clientId): string
    {
        return (string) (Capsule::table('tblclients')->where('id', $clientId)->value('language') ?? '') ?: 'english';
    }

    /**
     * The Twenty-One-like frame around a page body.
     *
     * @param array<string, string> $text
     */
    private function page(array $text, string $error, string $overview, string $kind, string $notice = '', string $moduleError = ''): string
    {
        return View::render('productdetails.tpl', ['text' => $text, 'error' => $error, 'overview' => $overview, 'kind' => $kind,
            'notice' => $notice, 'moduleError' => $moduleError]);
    }
}
