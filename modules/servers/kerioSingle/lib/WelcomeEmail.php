<?php

namespace WHMCS\Module\Server\kerioSingle;

use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The product welcome e-mail of a Kerio mailbox: a template of type `product` in tblemailtemplates,
 * created once (when missing) whenever an admin opens or saves a kerioSingle product's Module
 * Settings, for the admin to pick as the product's Welcome Email. It uses only merge fields WHMCS
 * provides for product e-mails; the password is not in it (the admin may add {$service_password}),
 * and an existing template of that name — edited or not — is never overwritten.
 */
final class WelcomeEmail
{
    /** The template's name (tblemailtemplates.name). */
    public const NAME = 'Kerio Mailbox Welcome Email';

    private const SUBJECT = 'Your new mailbox {$service_username}';

    private const MESSAGE = <<<'HTML'
<p>Dear {$client_name},</p>
<p>your mailbox <strong>{$service_username}</strong> ({$service_product_name}) is ready.</p>
<p><strong>Webmail</strong><br />
Open it from your client area: <a href="{$whmcs_url}clientarea.php?action=productdetails&amp;id={$service_id}">{$whmcs_url}clientarea.php?action=productdetails&amp;id={$service_id}</a><br />
or directly at <a href="https://{$service_server_hostname}/webmail/">https://{$service_server_hostname}/webmail/</a></p>
<p><strong>Mail app settings</strong><br />
User name: {$service_username}<br />
Password: the one you chose when ordering<br />
Incoming (IMAP): {$service_server_hostname}, port 993, SSL/TLS<br />
Incoming (POP3): {$service_server_hostname}, port 995, SSL/TLS<br />
Outgoing (SMTP): {$service_server_hostname}, port 465 (SSL/TLS) or 587 (STARTTLS), authentication with the same user name and password</p>
<p>{$signature}</p>
HTML;

    /**
     * Creates the template when no `product` template of that name exists (any language).
     *
     * @return bool true when it was created now
     */
    public static function ensure(): bool
    {
        $exists = Capsule::table('tblemailtemplates')->where('type', 'product')->where('name', self::NAME)->exists();
        if ($exists) {
            return false;
        }
        $now = date('Y-m-d H:i:s');
        Capsule::table('tblemailtemplates')->insert([
            'type' => 'product', 'name' => self::NAME, 'subject' => self::SUBJECT, 'message' => self::MESSAGE,
            'attachments' => '', 'fromname' => '', 'fromemail' => '', 'disabled' => 0, 'custom' => 1,
            'language' => '', 'copyto' => '', 'blind_copy_to' => '', 'plaintext' => 0,
            'created_at' => $now, 'updated_at' => $now,
        ]);
        return true;
    }
}
