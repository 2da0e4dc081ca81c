<?php
/**
 * kerioSingle strings, German. Returns key => text; missing keys fall back to English.
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

return [
    'overviewTitle' => 'Ihr Postfach',
    'address' => 'Adresse',
    'status' => 'Status',
    'quota' => 'Speicher',
    'usedOf' => '%s MB von %s MB belegt',
    'usedUnlimited' => '%s MB belegt (unbegrenzt)',
    'openWebmail' => 'Webmail öffnen',
    'mailboxUnavailable' => 'Die Postfachdaten können gerade nicht angezeigt werden. Bitte versuchen Sie es später erneut.',
    'notProvisioned' => 'Ihr Postfach wird eingerichtet.',
];
