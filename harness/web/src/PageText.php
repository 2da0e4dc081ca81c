<?php

namespace KerioSingle\Harness\Web;

/**
 * The few WHMCS core strings the harness pages show around the module (WHMCS translates these
 * itself; the harness knows English and German), and WHMCS-style formatting of page variables.
 */
final class PageText
{
    private const TEXT = [
        'english' => [
            'company' => 'Example Hosting', 'home' => 'Client Area', 'services' => 'My Services',
            'manage' => 'Manage Product', 'overview' => 'Overview', 'logout' => 'Logout',
            'configure' => 'Configure', 'continue' => 'Continue', 'login_required' => 'Please log in to continue.',
            'not_found' => 'The requested service was not found.', 'order_ok' => 'Your mailbox settings were accepted. Continue to checkout.',
            'custom_success' => 'Action Completed Successfully!', 'action_failed' => 'Action Failed',
            'Monthly' => 'Monthly', 'Annually' => 'Annually', 'Active' => 'Active', 'Suspended' => 'Suspended',
            'Pending' => 'Pending', 'Terminated' => 'Terminated', 'banktransfer' => 'Bank Transfer',
        ],
        'german' => [
            'company' => 'Example Hosting', 'home' => 'Kundenbereich', 'services' => 'Meine Produkte',
            'manage' => 'Produkt verwalten', 'overview' => 'Übersicht', 'logout' => 'Abmelden',
            'configure' => 'Konfigurieren', 'continue' => 'Weiter', 'login_required' => 'Bitte melden Sie sich an.',
            'not_found' => 'Das Produkt wurde nicht gefunden.', 'order_ok' => 'Ihre Postfach-Einstellungen wurden übernommen. Weiter zur Kasse.',
            'custom_success' => 'Aktion erfolgreich ausgeführt!', 'action_failed' => 'Aktion fehlgeschlagen',
            'Monthly' => 'Monatlich', 'Annually' => 'Jährlich', 'Active' => 'Aktiv', 'Suspended' => 'Gesperrt',
            'Pending' => 'Ausstehend', 'Terminated' => 'Gekündigt', 'banktransfer' => 'Banküberweisung',
        ],
    ];

    /**
     * The strings of a WHMCS language (English when the harness lacks it).
     *
     * @return array<string, string>
     */
    public static function for(string $language): array
    {
        return self::TEXT[$language] ?? self::TEXT['english'];
    }

    /** A date in WHMCS's default DD/MM/YYYY format; '-' for an empty or zero date. */
    public static function date($date): string
    {
        $date = (string) $date;
        if ($date === '' || strpos($date, '0000-00-00') === 0) {
            return '-';
        }
        $time = strtotime($date);
        return $time === false ? '-' : date('d/m/Y', $time);
    }
}
