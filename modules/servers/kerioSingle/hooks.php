<?php
/**
 * kerioSingle hooks (WHMCS loads this file on every page once a product using the module was saved).
 *
 * ClientAreaFooterOutput: on the cart's configure-product step of a kerioSingle product, adds the
 * live check of the mailbox-name and password fields (lib/OrderForm.php, js/order-form.js).
 * ShoppingCartValidateProductUpdate: the engine checks the password field against the same rules
 * before the product goes into the cart.
 * ProductEdit: a product saved with kerioSingle gets its order-form fields; one switched to another
 * module no longer shows them (lib/ProductSetup::productSaved).
 * DailyCronJob: the mail kept by terminates with mode keep is purged once its days are up
 * (lib/KeptMail::purgeExpired).
 */

use WHMCS\Module\Server\kerioSingle\KeptMail;
use WHMCS\Module\Server\kerioSingle\OrderForm;
use WHMCS\Module\Server\kerioSingle\ProductSetup;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

require_once __DIR__ . '/lib/autoload.php';

add_hook('ClientAreaFooterOutput', 1, static function (array $vars): string {
    try {
        return OrderForm::footer($vars);
    } catch (\Throwable $error) {
        // A broken live check must never break the order page; the server checks the order again.
        return '';
    }
});

add_hook('ShoppingCartValidateProductUpdate', 1, static function (array $vars): array {
    try {
        return OrderForm::validate($vars);
    } catch (\Throwable $error) {
        // The engine could not run: the create step checks the password again and reports clearly.
        return [];
    }
});

add_hook('ProductEdit', 1, static function (array $vars): void {
    ProductSetup::productSaved((int) ($vars['pid'] ?? 0), (string) ($vars['servertype'] ?? ''));
});

add_hook('DailyCronJob', 1, static function (array $vars): void {
    try {
        KeptMail::purgeExpired();
    } catch (\Throwable $error) {
        // Each purge logs its own failure; this is the table itself failing. The next run retries.
        logActivity('kerioSingle: the daily purge of kept mail could not run: ' . $error->getMessage());
    }
});
