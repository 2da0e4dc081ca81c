<?php
/**
 * kerioSingle customer-facing strings, German. Keys missing here fall back to lang/english.php.
 * The file returns `key => text`; `:name` marks a placeholder. Loaded by lib/Lang.php.
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

return [
    'html_lang' => 'de',
    'number_decimal_point' => ',',
    'number_thousands_separator' => '.',
    'unit_mb' => 'MB',
    'unit_gb' => 'GB',
    'date_time_format' => 'd.m.Y H:i',

    // Kundenbereich: Postfach
    'ca_mailbox_title' => 'Ihr Postfach',
    'ca_address' => 'E-Mail-Adresse',
    'ca_status' => 'Status',
    'ca_status_active' => 'Aktiv',
    'ca_status_suspended' => 'Gesperrt',
    'ca_status_pending' => 'In Bearbeitung',
    'ca_status_terminated' => 'Gekündigt',
    'ca_status_cancelled' => 'Storniert',
    'ca_status_other' => 'Nicht aktiv',
    'ca_suspended_notice' => 'Dieses Postfach ist gesperrt. Webmail und Mailprogramme können sich erst wieder anmelden, wenn es freigeschaltet ist. Bitte prüfen Sie offene Rechnungen oder wenden Sie sich an den Support.',
    'ca_pending_notice' => 'Dieses Postfach wird gerade eingerichtet. Die Details erscheinen hier, sobald es bereit ist.',
    'ca_closed_notice' => 'Dieses Postfach wurde geschlossen und kann nicht mehr verwendet werden.',
    'ca_storage' => 'Speicherplatz',
    'ca_quota_used_of' => ':used von :limit belegt (:percent %)',
    'ca_quota_unlimited' => ':used belegt · unbegrenzter Speicherplatz',
    'ca_quota_warning' => 'Ihr Postfach ist fast voll. Löschen Sie alte Nachrichten oder wechseln Sie zu einem größeren Tarif, damit weiterhin neue E-Mails ankommen.',
    'ca_items' => 'Nachrichten und Elemente',
    'ca_last_login' => 'Letzte Anmeldung',
    'ca_last_login_never' => 'Noch nie',
    'ca_last_login_via' => ':when über :protocol',
    'ca_not_available' => 'Nicht verfügbar',
    'ca_live_unavailable' => 'Die aktuellen Postfachdaten können gerade nicht geladen werden. Der angezeigte Speicherplatz wurde zuletzt am :when aktualisiert.',
    'ca_live_unavailable_no_usage' => 'Die aktuellen Postfachdaten können gerade nicht geladen werden. Bitte versuchen Sie es in einigen Minuten erneut.',
    'ca_webmail' => 'Webmail',
    'ca_open_webmail' => 'Webmail öffnen',
    'ca_webmail_sso_hint' => 'Öffnet Webmail in einem neuen Tab, bereits angemeldet.',
    'ca_webmail_login_hint' => 'Melden Sie sich mit Ihrer vollständigen E-Mail-Adresse und Ihrem Postfach-Passwort an.',
    'ca_change_password' => 'Passwort ändern',
    'ca_password_rules' => 'Ein neues Passwort braucht:',

    // Kundenbereich: Einstellungen für Mailprogramme
    'ca_settings_title' => 'Einstellungen für Mailprogramme',
    'ca_settings_intro' => 'Verwenden Sie diese Einstellungen in Outlook, Apple Mail, Thunderbird oder auf Ihrem Smartphone. Der Benutzername ist immer Ihre vollständige E-Mail-Adresse, das Passwort ist Ihr Postfach-Passwort.',
    'ca_username' => 'Benutzername',
    'ca_col_service' => 'Dienst',
    'ca_col_server' => 'Server',
    'ca_col_port' => 'Port',
    'ca_col_security' => 'Verschlüsselung',
    'ca_proto_imap' => 'IMAP (Posteingang)',
    'ca_proto_pop3' => 'POP3 (Posteingang)',
    'ca_proto_smtp' => 'SMTP (Postausgang)',
    'ca_proto_activesync' => 'Exchange ActiveSync',
    'ca_proto_caldav' => 'CalDAV (Kalender)',
    'ca_proto_carddav' => 'CardDAV (Kontakte)',
    'ca_security_ssl' => 'SSL/TLS',
    'ca_security_starttls' => 'STARTTLS',
    'ca_security_https' => 'HTTPS',
    'ca_or' => 'oder',
    'ca_smtp_auth_note' => 'Der Postausgangsserver erfordert eine Anmeldung mit demselben Benutzernamen und Passwort.',

    // Kundenbereich: Abrechnung
    'ca_billing_title' => 'Abrechnung',
    'ca_product' => 'Produkt',
    'ca_registered' => 'Registrierungsdatum',
    'ca_first_payment' => 'Erster Zahlungsbetrag',
    'ca_recurring' => 'Wiederkehrender Betrag',
    'ca_billing_cycle' => 'Abrechnungszeitraum',
    'ca_next_due' => 'Nächstes Fälligkeitsdatum',
    'ca_payment_method' => 'Zahlungsart',

    // Webmail-Anmeldung (Seite sso.php des Moduls)
    'sso_title' => 'Webmail-Anmeldung',
    'sso_link_invalid' => 'Dieser Webmail-Link ist abgelaufen oder wurde bereits verwendet. Jeder Link funktioniert einmal, innerhalb von 60 Sekunden. Gehen Sie zurück zu Ihrem Postfach und klicken Sie erneut auf „Webmail öffnen“.',
    'sso_not_logged_in' => 'Bitte melden Sie sich zuerst im Kundenbereich an und klicken Sie dann erneut auf „Webmail öffnen“.',
    'sso_suspended' => 'Dieses Postfach ist gesperrt, daher ist die Webmail-Anmeldung nicht möglich. Bitte prüfen Sie offene Rechnungen oder wenden Sie sich an den Support.',
    'sso_disabled' => 'Die automatische Webmail-Anmeldung ist für dieses Produkt abgeschaltet. Öffnen Sie Webmail und melden Sie sich mit Ihrer vollständigen E-Mail-Adresse und Ihrem Postfach-Passwort an.',
    'sso_protected' => 'Dieser Mailserver schützt seine Webmail-Anmeldung gegen automatische Anmeldung, daher können wir Sie nicht automatisch anmelden. Öffnen Sie Webmail und melden Sie sich mit Ihrer vollständigen E-Mail-Adresse und Ihrem Postfach-Passwort an.',
    'sso_unavailable' => 'Die Webmail-Anmeldung ist gerade nicht möglich. Bitte versuchen Sie es in einigen Minuten erneut oder öffnen Sie Webmail und melden Sie sich mit E-Mail-Adresse und Passwort an.',
    'sso_back' => 'Zurück zu Ihrem Postfach',

    // Bestellformular: Live-Prüfung von Postfachname und Passwort
    'order_password_rules' => 'Passwort – noch nicht erfüllt:',
    'order_password_ok' => 'Das Passwort erfüllt alle Regeln.',
    'order_password_invalid' => 'Das Passwort erfüllt diese Regeln nicht: :failures.',
    'order_localpart_rules' => 'Postfachname – noch nicht erfüllt:',
    'order_localpart_ok' => 'Der Postfachname ist gültig.',
    'order_localpart_invalid' => 'Der Postfachname erfüllt diese Regeln nicht: :failures.',
    'order_domain_not_offered' => 'Diese Domain kann mit diesem Produkt nicht bestellt werden; wählen Sie eine von: :domains.',

    // Bestellformular: die Regeln der Engine nach id (`:value` = Zahl der Regel)
    'rule_min_length' => 'Mindestens :value Zeichen',
    'rule_password_max_length' => 'Höchstens :value Zeichen',
    'rule_password_ascii' => 'Nur Buchstaben A-Z, Ziffern, Leerzeichen und Tastatursymbole (andere Alphabete funktionieren nicht in jedem Mailprogramm)',
    'rule_no_control_characters' => 'Keine Tabulatoren, Zeilenumbrüche oder anderen Steuerzeichen',
    'rule_character_classes' => 'Mindestens :value von: Kleinbuchstaben, Großbuchstaben, Ziffern, Sonderzeichen',
    'rule_no_personal_data' => 'Darf weder den Postfachnamen, die Domain noch Teile Ihres Namens enthalten',
    'rule_localpart_charset' => 'Nur Buchstaben a-z, Ziffern, Punkt, Unterstrich und Bindestrich',
    'rule_localpart_dots' => 'Kein Punkt am Anfang oder Ende und keine zwei Punkte hintereinander',
    'rule_localpart_max_length' => 'Höchstens :value Zeichen',
    'rule_localpart_reserved' => 'Dieser Postfachname ist reserviert; bitte wählen Sie einen anderen',
];
