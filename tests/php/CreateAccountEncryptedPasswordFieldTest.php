<?php

namespace KerioSingle\Tests;

use WHMCS\Database\Capsule;

/**
 * Every create test again with the order form's password field stored ENCRYPTED by WHMCS (the
 * harness switch for the open WHMCS 8 question, issue 10.6): the mailbox still gets the plain
 * password, and the module log says which case applied without the value.
 */
final class CreateAccountEncryptedPasswordFieldTest extends CreateAccountTest
{
    protected function setUp(): void
    {
        parent::setUp();
        $this->whmcs->storePasswordFieldsEncrypted(true);
    }

    public function testTheHarnessStoresTheOrderPasswordEncrypted(): void
    {
        $serviceId = $this->order($this->addProduct(), $this->addServer());

        $stored = $this->whmcs->customFieldValue($serviceId, 'password');

        $this->assertStringNotContainsString('Pa55', $stored);
        $this->assertSame(htmlspecialchars(self::ALPHABET_PASSWORD, ENT_QUOTES), decrypt($stored));
    }

    public function testAnEncryptedOrderPasswordBecomesTheWebmailPasswordAndTheCaseIsLogged(): void
    {
        $serviceId = $this->createdService();

        $this->assertTrue($this->emulator->webmailLogin($this->address($serviceId), self::ALPHABET_PASSWORD));
        $log = Capsule::table('tblmodulelog')->pluck('response')->implode("\n");
        $this->assertStringContainsString('stored encrypted by WHMCS; decrypted with its DecryptPassword API', $log);
        $this->assertStringNotContainsString('Pa55', $log);
    }
}
