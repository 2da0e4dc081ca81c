<?php
/**
 * Router for `php -S 127.0.0.1:PORT harness/web/router.php`: the WHMCS URLs the browser tests use.
 *
 *   /login.php?client=N&next=…                      harness only: log in as client N
 *   /clientarea.php?action=productdetails&id=N      product details with the module's overview tab
 *   /clientarea.php?…&dosinglesignon=1              "Open Webmail": ServiceSingleSignOn, then redirect
 *   /cart.php?a=confproduct&pid=N                   the order form's configure-product step
 *   /admin/login.php?admin=N                        harness only: log in to the admin area as staff member N
 *   /admin/clientsservices.php?id=N&dosinglesignon=1 the admin service page's "Open Webmail" (staff SSO)
 *   /modules/servers/kerioSingle/{sso,rules}.php    the module's own endpoints, booted by boot.php
 *   /assets/bootstrap4/…                            Bootstrap 4 from Debian's libjs-bootstrap4
 *
 * Environment: KS_DB_* (the database the test prepared), KS_HARNESS_ENCRYPTION_HASH, KERIO_SINGLE_BIN.
 */

use KerioSingle\Harness\Request;
use KerioSingle\Harness\Web\Pages;
use KerioSingle\Harness\Web\Response;

$path = (string) parse_url((string) $_SERVER['REQUEST_URI'], PHP_URL_PATH);

if (strncmp($path, '/assets/bootstrap4/', 19) === 0) {
    // Debian's files are symlinks into /usr/share/nodejs, so the name is checked, not the real path.
    $asset = substr($path, 19);
    $file = '/usr/share/javascript/bootstrap4/' . $asset;
    if (preg_match('#^(css|js)/[A-Za-z0-9_.-]+$#', $asset) !== 1 || strpos($asset, '..') !== false || !is_file($file)) {
        http_response_code(404);
        return true;
    }
    header('Content-Type: ' . (substr($file, -4) === '.css' ? 'text/css' : 'application/javascript'));
    readfile($file);
    return true;
}

define('KERIOSINGLE_WHMCS_INIT', __DIR__ . '/boot.php');
require_once KERIOSINGLE_WHMCS_INIT;

// WHMCS HTML-encodes every request value before any page or module code runs.
Request::set($_GET, $_POST);

if (preg_match('#^/modules/servers/kerioSingle/(sso|rules)\.php$#', $path, $endpoint) === 1) {
    require ROOTDIR . '/modules/servers/kerioSingle/' . $endpoint[1] . '.php';
    return true;
}

$pages = new Pages();
$raw = static fn (array $values): array => \KerioSingle\Harness\ParamsBuilder::decode($values);
switch ($path) {
    case '/login.php':
        $response = $pages->login($raw($_GET));
        break;
    case '/clientarea.php':
        $response = $pages->productDetails($raw($_GET));
        break;
    case '/admin/login.php':
        $response = $pages->adminLogin($raw($_GET));
        break;
    case '/admin/clientsservices.php':
        $response = $pages->adminServiceSingleSignOn($raw($_GET));
        break;
    case '/admin/configproducts.php':
        $response = (new \KerioSingle\Harness\Web\AdminPages())->productModuleSettings($raw($_GET), $raw($_POST), $_SERVER['REQUEST_METHOD'] === 'POST');
        break;
    case '/upgrade.php':
        $response = (new \KerioSingle\Harness\Web\UpgradePage())->configOptions($raw($_GET), $raw($_POST), $_SERVER['REQUEST_METHOD'] === 'POST');
        break;
    case '/cart.php':
        $response = $pages->configureProduct($raw($_GET), $_POST);
        break;
    default:
        $response = new Response(404, 'Not found: ' . $path, ['Content-Type' => 'text/plain; charset=utf-8']);
}
$response->send();
return true;
