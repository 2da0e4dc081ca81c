<?php
/**
 * `make demo`: the whole mailbox lifecycle through the WHMCS 8 harness on SQLite, the real engine
 * (modules/servers/kerioSingle/bin/kerio-single) and a Kerio emulator started here.
 *
 * Prints each step as an admin would see it. Passwords are never printed. Exits non-zero when a
 * step does not behave as expected, so the demo doubles as a smoke test.
 * Environment: KERIO_SINGLE_BIN, KERIO_EMULATOR_BIN (see harness/README.md).
 */

require_once dirname(__DIR__) . '/harness/bootstrap.php';

use KerioSingle\Harness\Database;
use KerioSingle\Harness\Emulator;
use KerioSingle\Harness\Whmcs;
use WHMCS\Database\Capsule;

/** Prints a numbered step title. */
function demoStep(string $title): void
{
    static $number = 0;
    $number++;
    echo PHP_EOL, sprintf('%2d. %s', $number, $title), PHP_EOL;
}

/** Prints one indented fact. */
function demoSay(string $label, string $value): void
{
    echo sprintf('      %-26s %s', $label . ':', $value), PHP_EOL;
}

/** Stops the demo when an expectation fails. */
function demoExpect(bool $condition, string $what): void
{
    if (!$condition) {
        fwrite(STDERR, PHP_EOL . 'demo: UNEXPECTED: ' . $what . PHP_EOL);
        exit(1);
    }
    demoSay('check', 'ok, ' . $what);
}

/** A random password with the characters that break naive integrations. */
function demoPassword(): string
{
    return 'Demo ' . bin2hex(random_bytes(3)) . ' & "quoted" <x> #%+';
}

$state = dirname(__DIR__) . '/.state/demo';
exec('rm -rf ' . escapeshellarg($state));
mkdir($state, 0700, true);
$adminPassword = 'Adm1n-' . bin2hex(random_bytes(6));

echo 'kerioSingle demo: WHMCS 8 harness (SQLite ', $state, '/whmcs.sqlite) + engine + Kerio emulator', PHP_EOL;

demoStep('Start the Kerio Connect emulator');
$emulator = Emulator::start($state . '/emulator', $adminPassword);
demoSay('admin API', 'https://127.0.0.1:' . $emulator->adminPort() . '/admin/api/jsonrpc/');
demoSay('webmail', $emulator->webmailUrl());
demoSay('certificate SHA-256', $emulator->fingerprint());

touch($state . '/whmcs.sqlite');
$whmcs = Whmcs::install(Database::sqlite($state . '/whmcs.sqlite'));
$whmcs->updateUsageStatisticsDaily(true);   // Automation Settings > Update usage statistics

demoStep('Setup > Servers: add the Kerio server and press "Test Connection"');
$serverId = $whmcs->addServer(['accesshash' => ''] + $emulator->serverFields());
$untrusted = $whmcs->testConnection($serverId);
demoSay('without a pinned cert', $untrusted['error']);
demoExpect($untrusted['success'] === false, 'an unpinned self-signed certificate is refused');
$whmcs->updateServer($serverId, ['accesshash' => $emulator->serverFields()['accesshash']]);
$trusted = $whmcs->testConnection($serverId);
demoSay('Access Hash', 'tls_fingerprint = ' . $emulator->fingerprint());
demoSay('Test Connection', $trusted['success'] ? 'Connection successful' : $trusted['error']);
demoExpect($trusted['success'] === true, 'the pinned server answers');

demoStep('Setup > Products: "Mailbox 1 GB", Module Settings saved');
$basic = $whmcs->addProduct('Mailbox 1 GB');
$whmcs->saveModuleSettings($basic, ['quota_mb' => '1024', 'terminate_mode' => 'delete', 'sso' => true]);
foreach (array_keys($whmcs->openModuleSettings($basic)) as $position => $key) {
    demoSay('configoption' . ($position + 1), $key . ' = ' . (string) Capsule::table('tblproducts')->where('id', $basic)->value('configoption' . ($position + 1)));
}
foreach ($whmcs->productCustomFields($basic) as $field) {
    demoSay('custom field', $field->fieldname . ' (' . $field->fieldtype . ($field->adminonly === 'on' ? ', admin only' : '')
        . ($field->fieldoptions !== '' ? ': ' . $field->fieldoptions : '') . ')');
}
$small = $whmcs->addProduct('Mailbox 250 MB');
$whmcs->saveModuleSettings($small, ['quota_mb' => '250']);
$large = $whmcs->addProduct('Mailbox 5 GB');
$whmcs->saveModuleSettings($large, ['quota_mb' => '5120']);
demoSay('more products', '"Mailbox 250 MB", "Mailbox 5 GB"');

demoStep('A customer orders jane.doe@example.com (service Pending)');
$password = demoPassword();
$clientId = $whmcs->addClient(['firstname' => 'Jane', 'lastname' => 'Doe', 'email' => 'jane@customer.example', 'language' => 'english']);
$serviceId = $whmcs->placeOrder($clientId, $basic, $serverId, [
    'localpart' => 'jane.doe', 'maildomain' => 'example.com', 'password' => $password, 'givenname' => 'Jane', 'surname' => 'Doe',
]);
demoSay('service', '#' . $serviceId . ', status ' . $whmcs->service($serviceId)->domainstatus);
demoSay('password', '(chosen on the order form, with & " < > # % + and spaces; not shown)');

demoStep('Invoice paid: module Create');
$result = $whmcs->moduleAction($serviceId, 'create');
$service = $whmcs->service($serviceId);
demoSay('result', $result);
demoSay('status', $service->domainstatus);
demoSay('username / domain', $service->username . ' / ' . $service->domain);
demoSay('quota field', $whmcs->customFieldValue($serviceId, 'quota') . ' MB');
demoExpect($result === 'success' && $service->domainstatus === 'Active', 'the mailbox was created and the service is Active');
demoExpect($whmcs->servicePassword($serviceId) === $password && $whmcs->customFieldValue($serviceId, 'password') === '',
    'the password moved into the encrypted service password; the order-form copy is blank');
demoExpect($emulator->webmailLogin('jane.doe@example.com', $password), 'webmail accepts the password exactly as typed');

demoStep('Mail arrives (300 MB); the daily cron runs UsageUpdate once per server');
$emulator->setUsage('jane.doe@example.com', 300 * 1024 * 1024, 1200);
$usage = $whmcs->runDailyCron();
$service = $whmcs->service($serviceId);
demoSay('UsageUpdate', (string) $usage[$serverId]);
demoSay('disk usage', $service->diskusage . ' MB of ' . $service->disklimit . ' MB (updated ' . $service->lastupdate . ')');
demoExpect((int) $service->diskusage === 300 && (int) $service->disklimit === 1024, 'tblhosting shows 300 MB of 1024 MB');

demoStep('The customer changes the password');
$newPassword = demoPassword();
$result = $whmcs->changePassword($serviceId, $newPassword, true);
demoSay('result', $result);
demoExpect($result === 'success' && $emulator->webmailLogin('jane.doe@example.com', $newPassword), 'the new password works');
demoExpect(!$emulator->webmailLogin('jane.doe@example.com', $password), 'the old password no longer works');

demoStep('Downgrade to "Mailbox 250 MB" while 300 MB are used');
$result = $whmcs->changePackage($serviceId, $small);
demoSay('result', $result);
demoExpect($result !== 'success', 'the downgrade below usage is refused and queued for the admin');

demoStep('Upgrade to "Mailbox 5 GB"');
$result = $whmcs->changePackage($serviceId, $large);
demoSay('result', $result);
demoSay('quota field', $whmcs->customFieldValue($serviceId, 'quota') . ' MB');
demoExpect($result === 'success', 'the upgrade is applied');

demoStep('"Mailbox 5 GB" sells aliases and forwarding; the customer adds an alias and sets forwarding');
$whmcs->saveModuleSettings($large, ['max_aliases' => '3', 'forwarding' => true, 'max_forward_targets' => '5']);
$result = $whmcs->clientCustomAction($serviceId, 'AddAlias', ['alias' => 'sales.jane']);
demoSay('AddAlias sales.jane', $result);
demoExpect($result === 'success', 'the alias is added');
$result = $whmcs->clientCustomAction($serviceId, 'SetForwarding', ['forward_to' => 'jane@customer.example', 'keep_copy' => '1']);
demoSay('SetForwarding', $result);
demoExpect($result === 'success', 'forwarding is set (a copy stays in the mailbox)');
$refused = $whmcs->clientCustomAction($serviceId, 'SetForwarding', ['forward_to' => 'sales.jane@example.com']);
demoSay('forward to own alias', $refused);
demoExpect($refused !== 'success', 'forwarding to an own alias (a loop) is refused');
$kerioUser = (array) $emulator->user('jane.doe@example.com');
demoSay('Kerio emailAddresses', implode(', ', (array) $kerioUser['emailAddresses']));
demoSay('Kerio emailForwarding', (string) json_encode($kerioUser['emailForwarding']));
demoExpect(in_array('sales.jane@example.com', (array) $kerioUser['emailAddresses'], true)
    && $kerioUser['emailForwarding']['mode'] === 'UForwardDeliver', 'the emulator shows the alias and the forwarding on the user');

demoStep('Downgrade to "Mailbox 1 GB" (no aliases, no forwarding): forwarding goes off, the alias stays, no new one');
$result = $whmcs->changePackage($serviceId, $basic);
demoSay('result', $result);
$kerioUser = (array) $emulator->user('jane.doe@example.com');
demoSay('Kerio emailForwarding', (string) json_encode($kerioUser['emailForwarding']));
demoSay('Kerio emailAddresses', implode(', ', (array) $kerioUser['emailAddresses']));
demoExpect($result === 'success' && $kerioUser['emailForwarding']['mode'] === 'UForwardNone'
    && in_array('sales.jane@example.com', (array) $kerioUser['emailAddresses'], true), 'forwarding is turned off, the alias is kept');
$refused = $whmcs->clientCustomAction($serviceId, 'AddAlias', ['alias' => 'more.jane']);
demoSay('AddAlias more.jane', $refused);
demoExpect($refused !== 'success', 'no new alias beyond the plan');
foreach (\WHMCS\Module\Server\kerioSingle\PlanNotices::adminRows(\KerioSingle\Harness\ParamsBuilder::forService($serviceId, 'kerioSingle'), array_values((array) $kerioUser['emailAddresses'])) as $label => $text) {
    demoSay('admin tab: ' . $label, $text);
}
$result = $whmcs->changePackage($serviceId, $large);
demoExpect($result === 'success', 'back on "Mailbox 5 GB" (forwarding stays off until the customer sets it again)');

demoStep('Configurable Options: the admin creates the group, prices and shows it, the customer upgrades to 10 GB');
$whmcs->saveModuleSettings($large, ['create_options_group' => true]);
$group = ['group_id' => (int) \WHMCS\Database\Capsule::table('tblproductconfiglinks')->where('pid', $large)->value('gid')];
demoSay('group', '#' . $group['group_id'] . ' (Mailbox size dropdown, Aliases quantity; created hidden and unpriced by Save)');
demoExpect($group['group_id'] > 0, 'Save with "Create the Configurable Options group" ticked created and linked the group');
$whmcs->offerConfigurableOptionsGroup($group['group_id'], '2.00');
$whmcs->chooseConfigOptions($serviceId, ['quota_mb' => '5120', 'max_aliases' => 3]);
$result = $whmcs->changeConfigOptions($serviceId, ['quota_mb' => '10240', 'max_aliases' => 5]);
demoSay('upgrade result', $result);
demoSay('quota field', $whmcs->customFieldValue($serviceId, 'quota') . ' MB');
demoSay('Kerio quota', json_encode($emulator->user('jane.doe@example.com')['diskSizeLimit']));
demoExpect($result === 'success' && $whmcs->customFieldValue($serviceId, 'quota') === '10240', 'the options upgrade raised the quota to 10240 MB');

demoStep('Overdue: module Suspend, then payment: Unsuspend');
$result = $whmcs->moduleAction($serviceId, 'suspend');
demoSay('suspend', $result . ', status ' . $whmcs->service($serviceId)->domainstatus);
demoExpect(!$emulator->webmailLogin('jane.doe@example.com', $newPassword), 'a suspended mailbox cannot log in');
$result = $whmcs->moduleAction($serviceId, 'unsuspend');
demoSay('unsuspend', $result . ', status ' . $whmcs->service($serviceId)->domainstatus);
demoExpect($emulator->webmailLogin('jane.doe@example.com', $newPassword), 'login works again');

demoStep('Client area (what the customer sees, rendered in headless Chromium)');
require_once dirname(__DIR__) . '/harness/web/src/Snapshot.php';
$snapshot = \KerioSingle\Harness\Web\Snapshot::clientArea($serviceId, $state . '/client-area');
demoSay('HTML', $snapshot['html']);
demoSay('screenshot', $snapshot['png']);
demoExpect(strpos((string) file_get_contents($snapshot['html']), 'jane.doe@example.com') !== false, 'the client area shows the mailbox');

demoStep('Admin service page (live data)');
foreach ($whmcs->adminServicesTabFields($serviceId) as $label => $html) {
    demoSay($label, html_entity_decode(strip_tags($html), ENT_QUOTES));
}

demoStep('A mailbox made by hand in Kerio: Server Sync import, a refused Suspend, "Adopt existing mailbox"');
$emulator->addAdmin('boss', 'example.com', demoPassword(), 'UserRole');
$synced = $whmcs->listAccounts($serverId);
demoExpect(in_array('boss@example.com', array_column((array) $synced['accounts'], 'username'), true), 'Server Sync lists the unmarked mailbox boss@example.com');
$importedId = $whmcs->placeOrder($clientId, $basic, $serverId, ['localpart' => 'boss', 'maildomain' => 'example.com', 'password' => '', 'givenname' => '', 'surname' => '']);
Capsule::table('tblhosting')->where('id', $importedId)->update(['username' => 'boss@example.com', 'domain' => 'example.com', 'domainstatus' => 'Active']);
demoSay('imported service', '#' . $importedId . ', username boss@example.com, Active');
$before = $emulator->state();
$result = $whmcs->moduleAction($importedId, 'suspend');
demoSay('Suspend', $result);
demoExpect($result !== 'success' && $emulator->state() === $before, 'Suspend is refused (no WHMCS mark) and nothing changed on Kerio');
demoSay('Marked for this service', html_entity_decode($whmcs->adminServicesTabFields($importedId)['Marked for this service'], ENT_QUOTES));
$result = $whmcs->adminCustomButton($importedId, 'Adopt existing mailbox');
demoSay('Adopt existing mailbox', $result);
demoSay('Kerio user ID field', $whmcs->customFieldValue($importedId, 'kerio_id'));
demoExpect($result === 'success' && $whmcs->customFieldValue($importedId, 'kerio_id') === (string) $emulator->user('boss@example.com')['id'], 'adopted: marked on Kerio, its Kerio user ID recorded');
$result = $whmcs->moduleAction($importedId, 'suspend');
demoSay('Suspend again', $result);
demoExpect($result === 'success' && $emulator->user('boss@example.com')['isEnabled'] === false, 'the adopted mailbox is suspended');

demoStep('Cancellation: module Terminate (product setting: delete)');
$result = $whmcs->moduleAction($serviceId, 'terminate');
demoSay('result', $result . ', status ' . $whmcs->service($serviceId)->domainstatus);
demoExpect($result === 'success' && $emulator->user('jane.doe@example.com') === null, 'the mailbox is gone from Kerio');

demoStep('Terminate with "keep": the address carries the old mail, refused to a stranger, given back to its owner');
$keeping = $whmcs->addProduct('Mailbox 1 GB, mail kept 30 days');
$whmcs->saveModuleSettings($keeping, ['quota_mb' => '1024', 'terminate_mode' => 'keep', 'kept_mail_days' => '30', 'sso' => true]);
$olive = $whmcs->addClient(['firstname' => 'Olive', 'lastname' => 'Old', 'email' => 'olive@customer.example', 'language' => 'english']);
$stan = $whmcs->addClient(['firstname' => 'Stan', 'lastname' => 'Ger', 'email' => 'stan@customer.example', 'language' => 'english']);
$oldieOrder = static fn (int $client): int => $whmcs->placeOrder($client, $keeping, $serverId, [
    'localpart' => 'oldie', 'maildomain' => 'example.com', 'password' => demoPassword(), 'givenname' => 'Olive', 'surname' => 'Old',
]);
$oldie = $oldieOrder($olive);
demoExpect($whmcs->moduleAction($oldie, 'create') === 'success', 'Olive\'s oldie@example.com is created (service #' . $oldie . ')');
$emulator->setUsage('oldie@example.com', 7 * 1024 * 1024, 321);
demoSay('Terminate (keep)', $whmcs->moduleAction($oldie, 'terminate'));
demoSay('Kept mail (admin tab)', html_entity_decode($whmcs->adminServicesTabFields($oldie)['Kept mail'] ?? '(none)', ENT_QUOTES));
$orderFormSays = static fn (int $client): string => (string) \KerioSingle\Harness\Session::as($client, 0, static fn (): array
    => \WHMCS\Module\Server\kerioSingle\OrderRules::forProduct(\WHMCS\Module\Server\kerioSingle\OrderRules::product($keeping),
        ['domain' => 'example.com', 'localpart' => 'oldie']))['address'];
demoExpect($orderFormSays($stan) === 'not_available' && $orderFormSays($olive) === 'yours',
    'the order form tells Stan "This address is not available" and Olive that her mail will be restored');
$strangers = $oldieOrder($stan);
$before = $emulator->state();
$result = $whmcs->moduleAction($strangers, 'create');
demoSay('Stan orders oldie: Create', $result);
demoExpect(strpos($result, 'kept mail of terminated service #' . $oldie) !== false && $emulator->state() === $before,
    'refused (address_kept) before anything was made on Kerio; the admin text says whose kept mail and how to release it');
$again = $oldieOrder($olive);
$result = $whmcs->moduleAction($again, 'create');
$restored = $emulator->user('oldie@example.com');
demoSay('Olive orders oldie again', $result . ', ' . (int) $restored['consumedSize']['value'] . ' ' . $restored['consumedSize']['units'] . ', ' . $restored['consumedItems'] . ' items');
demoExpect($result === 'success' && (int) $restored['consumedItems'] === 321, 'the owner gets her mailbox back with its 321 items');
demoSay('Terminate (keep) again', $whmcs->moduleAction($again, 'terminate'));
demoSay('Purge kept mail now', $whmcs->adminCustomButton($again, 'Purge kept mail now'));
$result = $whmcs->moduleAction($strangers, 'create');
demoExpect($result === 'success' && (int) $emulator->user('oldie@example.com')['consumedItems'] === 0,
    'after the purge the address is free: Stan gets an empty mailbox');

demoStep('Logs');
$log = Capsule::table('tblmodulelog')->get();
$logText = implode("\n", $log->map(static fn ($row): string => $row->request . $row->response . $row->arrdata)->all());
demoSay('module log entries', (string) $log->count());
$leaks = array_filter([$adminPassword, $password, $newPassword], static fn (string $secret): bool => strpos($logText, $secret) !== false
    || strpos($logText, substr((string) json_encode($secret), 1, -1)) !== false);
demoExpect($leaks === [], 'no password appears in tblmodulelog');
foreach (\KerioSingle\Harness\ActivityLog::lines() as $line) {
    demoSay('activity', $line);
}

$emulator->stop();
echo PHP_EOL, 'Demo complete: every step behaved as expected.', PHP_EOL;
