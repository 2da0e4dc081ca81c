<?php
/**
 * kerioSingle strings, English (the fallback for every other language). Returns key => text.
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

return [
    'overviewTitle' => 'Your mailbox',
    'address' => 'Address',
    'status' => 'Status',
    'quota' => 'Storage',
    'usedOf' => '%s MB of %s MB used',
    'usedUnlimited' => '%s MB used (no limit)',
    'openWebmail' => 'Open Webmail',
    'mailboxUnavailable' => 'The mailbox details cannot be shown right now. Please try again later.',
    'notProvisioned' => 'Your mailbox is being set up.',
];
