<?php
/**
 * kerioSingle customer-facing strings, English (the fallback: every key must exist here).
 * The file returns `key => text`; `:name` marks a placeholder. Loaded by lib/Lang.php.
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

return [
    'html_lang' => 'en',
    'number_decimal_point' => '.',
    'number_thousands_separator' => ',',
    'unit_mb' => 'MB',
    'unit_gb' => 'GB',
    'date_time_format' => 'Y-m-d H:i',

    // Client area: mailbox card
    'ca_mailbox_title' => 'Your mailbox',
    'ca_address' => 'Email address',
    'ca_status' => 'Status',
    'ca_status_active' => 'Active',
    'ca_status_suspended' => 'Suspended',
    'ca_status_pending' => 'Pending',
    'ca_status_terminated' => 'Terminated',
    'ca_status_cancelled' => 'Cancelled',
    'ca_status_other' => 'Not active',
    'ca_suspended_notice' => 'This mailbox is suspended. You cannot sign in to webmail or mail apps until it is reactivated. Please check your unpaid invoices or contact support.',
    'ca_pending_notice' => 'This mailbox is being set up. Its details appear here as soon as it is ready.',
    'ca_closed_notice' => 'This mailbox has been closed and can no longer be used.',
    'ca_storage' => 'Storage',
    'ca_quota_used_of' => ':used of :limit used (:percent %)',
    'ca_quota_unlimited' => ':used used · unlimited storage',
    'ca_quota_warning' => 'Your mailbox is almost full. Delete old messages or upgrade to a larger plan so that new mail can still arrive.',
    'ca_items' => 'Messages and items',
    'ca_last_login' => 'Last sign-in',
    'ca_last_login_never' => 'Never',
    'ca_last_login_via' => ':when via :protocol',
    'ca_not_available' => 'Not available',
    'ca_live_unavailable' => 'Live mailbox details cannot be loaded right now. The storage shown was last updated :when.',
    'ca_live_unavailable_no_usage' => 'Live mailbox details cannot be loaded right now. Please try again in a few minutes.',
    'ca_webmail' => 'Webmail',
    'ca_open_webmail' => 'Open webmail',
    'ca_webmail_sso_hint' => 'Opens webmail in a new tab, already signed in.',
    'ca_webmail_login_hint' => 'Sign in with your full email address and your mailbox password.',
    'ca_change_password' => 'Change password',
    'ca_password_rules' => 'A new password needs:',

    // Client area: mail app settings
    'ca_settings_title' => 'Mail app settings',
    'ca_settings_intro' => 'Use these settings in Outlook, Apple Mail, Thunderbird or on your phone. The user name is always your full email address and the password is your mailbox password.',
    'ca_username' => 'User name',
    'ca_col_service' => 'Service',
    'ca_col_server' => 'Server',
    'ca_col_port' => 'Port',
    'ca_col_security' => 'Encryption',
    'ca_proto_imap' => 'IMAP (incoming mail)',
    'ca_proto_pop3' => 'POP3 (incoming mail)',
    'ca_proto_smtp' => 'SMTP (outgoing mail)',
    'ca_proto_activesync' => 'Exchange ActiveSync',
    'ca_proto_caldav' => 'CalDAV (calendars)',
    'ca_proto_carddav' => 'CardDAV (contacts)',
    'ca_security_ssl' => 'SSL/TLS',
    'ca_security_starttls' => 'STARTTLS',
    'ca_security_https' => 'HTTPS',
    'ca_or' => 'or',
    'ca_smtp_auth_note' => 'The outgoing server needs authentication with the same user name and password.',

    // Client area: billing card
    'ca_billing_title' => 'Billing',
    'ca_product' => 'Product',
    'ca_registered' => 'Registration date',
    'ca_first_payment' => 'First payment amount',
    'ca_recurring' => 'Recurring amount',
    'ca_billing_cycle' => 'Billing cycle',
    'ca_next_due' => 'Next due date',
    'ca_payment_method' => 'Payment method',

    // Webmail single sign-on (the module's sso.php page)
    'sso_title' => 'Webmail sign-in',
    'sso_link_invalid' => 'This webmail link has expired or was already used. Each link works once, within 60 seconds. Go back to your mailbox and press “Open webmail” again.',
    'sso_not_logged_in' => 'Please log in to the client area first, then press “Open webmail” again.',
    'sso_suspended' => 'This mailbox is suspended, so webmail sign-in is not available. Please check your unpaid invoices or contact support.',
    'sso_disabled' => 'Automatic webmail sign-in is switched off for this product. Open webmail and sign in with your full email address and your mailbox password.',
    'sso_protected' => 'This mail server protects its webmail sign-in against automatic sign-in, so we cannot sign you in for you. Open webmail and sign in with your full email address and your mailbox password.',
    'sso_unavailable' => 'Webmail sign-in is not available right now. Please try again in a few minutes, or open webmail and sign in with your email address and password.',
    'sso_back' => 'Back to your mailbox',

    // Order form: live checks of the mailbox name and password fields
    'order_password_rules' => 'Password – not met yet:',
    'order_password_ok' => 'The password meets every rule.',
    'order_password_invalid' => 'The password does not meet these rules: :failures.',
    'order_localpart_rules' => 'Mailbox name – not met yet:',
    'order_localpart_ok' => 'The mailbox name is valid.',
    'order_localpart_invalid' => 'The mailbox name does not meet these rules: :failures.',
    'order_domain_not_offered' => 'This domain cannot be ordered with this product; choose one of: :domains.',

    // Order form: the engine's rules by id (`:value` = the rule's number); unknown ids show the engine's text
    'rule_min_length' => 'At least :value characters',
    'rule_password_max_length' => 'At most :value characters',
    'rule_password_ascii' => 'Only letters A-Z, digits, spaces and keyboard symbols (other alphabets do not work in every mail app)',
    'rule_no_control_characters' => 'No tabs, line breaks or other control characters',
    'rule_character_classes' => 'At least :value of: lower-case letters, upper-case letters, digits, symbols',
    'rule_no_personal_data' => 'Must not contain the mailbox name, the domain or parts of your name',
    'rule_localpart_charset' => 'Only letters a-z, digits, dot, underscore and hyphen',
    'rule_localpart_dots' => 'No dot at the start or the end, and no two dots in a row',
    'rule_localpart_max_length' => 'At most :value characters',
    'rule_localpart_reserved' => 'This mailbox name is reserved; choose another one',
];
