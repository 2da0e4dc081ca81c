<?php

namespace WHMCS\Module\Server\kerioSingle;

use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * What happens when an admin opens or saves a product's Module Settings: for a product saved with
 * kerioSingle the order-form custom fields are created or updated, the Domain dropdown is
 * refreshed from the Kerio server and the product welcome e-mail template is created when missing
 * (lib/WelcomeEmail.php); a product saved with another module keeps its stored values but no
 * longer shows kerioSingle's fields on its order form.
 */
final class ProductSetup
{
    /**
     * Seconds the product page waits for the Kerio server before keeping the stored dropdown: short,
     * so the Module Settings tab loads in a few seconds even with Kerio down (the answer, or its
     * absence, is then reused for a while: ServerAnswerCache).
     */
    private const DOMAIN_LOOKUP_TIMEOUT = 2;
    /** The admin page of product addons, whose ConfigOptions `id` is an addon id. */
    private const ADDON_PAGE = 'configaddons.php';

    /**
     * Creates/updates the custom fields of a product saved with kerioSingle; does nothing for another
     * (or no) module, e.g. while the admin only previews the module before saving. Never throws: a
     * product page must always render.
     *
     * @return string '' on success, otherwise why the fields or the dropdown were not refreshed, or
     *                which of the product's domains the server's admin cannot manage
     */
    public static function refresh(int $productId): string
    {
        try {
            $product = Capsule::table('tblproducts')->where('id', $productId)->first();
            if ($product === null || (string) $product->servertype !== ServiceRepository::MODULE) {
                return 'Product ' . $productId . ' is not saved with kerioSingle (yet); its custom fields are made when it is.';
            }
            [$domains, $problem] = self::domainOptions(ProductSettings::fromParams((array) $product));
            CustomFields::ensureForProduct($productId, $domains);
            WelcomeEmail::ensure();
            return $problem;
        } catch (\Throwable $error) {
            (new ModuleLog('ConfigOptions', []))->failure(['product' => $productId], $error->getMessage());
            return $error->getMessage();
        }
    }

    /**
     * The ProductEdit hook: a product just saved with kerioSingle gets its fields made right and, when
     * asked, its Configurable Options group; one saved with another module has kerioSingle's fields
     * taken off its order form (values kept).
     * Never throws: saving a product must not fail because of this module.
     */
    public static function productSaved(int $productId, string $savedModule): void
    {
        if ($savedModule === ServiceRepository::MODULE) {
            self::refresh($productId);
            ConfigurableOptionsGroup::createIfAsked($productId);
            return;
        }
        try {
            CustomFields::hideFromOrderForm($productId);
        } catch (\Throwable $error) {
            (new ModuleLog('ProductEdit', []))->failure(['product' => $productId], $error->getMessage());
        }
    }

    /**
     * The Domain dropdown options: the domains the server's admin can manage limited to the product's
     * list, or the product's own list when no server answers; null (keep the stored options) when
     * neither is known.
     *
     * @return array{0: list<string>|null, 1: string} options and what the admin should know ('' if
     *         nothing): why the server was not used, or which of the product's domains its admin
     *         cannot manage
     */
    private static function domainOptions(ProductSettings $product): array
    {
        $configured = $product->domains();
        try {
            $connection = self::serverConnection($configured);
        } catch (SettingsError $error) {
            return [$configured === [] ? null : $configured, $error->getMessage()];
        }
        $manageable = array_map('strtolower', array_map('strval', (array) ($connection['domains'] ?? [])));
        if ($configured === []) {
            return [$manageable, self::skippedNote($connection)];
        }
        $note = trim(self::unmanageableNote($connection) . ' ' . self::skippedNote($connection));
        return [array_values(array_intersect($configured, $manageable)), $note];
    }

    /**
     * The note on domain names the Kerio server lists that are not host names: the engine left
     * them out of every list (issue 17.8); '' when there were none.
     *
     * @param array<string, mixed> $connection test_connection's result (`skipped_domains`, quoted)
     */
    private static function skippedNote(array $connection): string
    {
        $skipped = array_map('strval', (array) ($connection['skipped_domains'] ?? []));
        if ($skipped === []) {
            return '';
        }
        return 'The Kerio server lists domain names that are not valid host names, left out of the Domains list: '
            . implode(', ', $skipped) . '. Check the domains in Kerio Administration.';
    }

    /**
     * The warning for a product selling domains the server's admin cannot manage ('' when none).
     *
     * @param array<string, mixed> $connection test_connection's result
     */
    private static function unmanageableNote(array $connection): string
    {
        $unmanageable = array_map('strval', (array) ($connection['unmanageable_domains'] ?? []));
        if ($unmanageable === []) {
            return '';
        }
        return 'The server\'s admin ' . (string) ($connection['user'] ?? '') . ' (Kerio role ' . (string) ($connection['role'] ?? '')
            . ') cannot manage mailboxes in ' . implode(', ', $unmanageable) . ': orders for them would fail. '
            . 'Remove them from Domains, or give that admin the "Full Admin" role in Kerio Administration.';
    }

    /**
     * test_connection on the first enabled kerioSingle server, asking about the product's domains;
     * the server's answer (or why there was none) is reused for a few minutes (ServerAnswerCache),
     * keyed by the server's stored row, so editing the server asks again.
     *
     * @param list<string> $productDomains
     * @return array<string, mixed>
     * @throws SettingsError no server, or why the server gave no answer
     */
    private static function serverConnection(array $productDomains): array
    {
        $row = Capsule::table('tblservers')
            ->where('type', ServiceRepository::MODULE)
            ->where('disabled', 0)
            ->orderBy('active', 'desc')
            ->orderBy('id')
            ->first();
        if ($row === null) {
            throw new SettingsError('No kerioSingle server is set up yet (Setup > Servers).');
        }
        $question = json_encode(['test_connection', (array) $row, $productDomains]);
        return ServerAnswerCache::answer((string) $question, static function () use ($row, $productDomains): array {
            return self::pageClient(ServerSettings::fromServerRow($row), 'ConfigOptions')
                ->call('test_connection', $productDomains === [] ? [] : ['allowed_domains' => $productDomains]);
        });
    }

    /**
     * The Domains Loader's options: the mail domains of the server in $params (server_info),
     * lower-case, asked with the product page's short timeout and reused like the page's other
     * answers (ServerAnswerCache).
     *
     * @param array<string, mixed> $params server params
     * @return list<string>
     * @throws SettingsError why the server gave no answer
     */
    public static function loaderDomains(array $params): array
    {
        $server = ServerSettings::fromParams($params);
        $question = json_encode(['server_info', $params['serverid'] ?? 0, $params['serverhostname'] ?? '', $params['serverip'] ?? '',
            $params['serverusername'] ?? '', hash('sha256', $server->password()), $params['serveraccesshash'] ?? '',
            $params['serverport'] ?? '', $params['serversecure'] ?? '']);
        $info = ServerAnswerCache::answer((string) $question, static function () use ($server): array {
            return self::pageClient($server, 'DomainLoader')->call('server_info', []);
        });
        return array_map('strtolower', array_map('strval', kerioSingleFindAll((array) ($info['domains'] ?? []), 'name')));
    }

    /** An engine client with the product page's short timeout. */
    private static function pageClient(ServerSettings $server, string $action): EngineClient
    {
        return new EngineClient(new Engine(Engine::defaultBinary(), self::DOMAIN_LOOKUP_TIMEOUT), $server, new ModuleLog($action, [$server->password()]));
    }

    /**
     * Whether ConfigOptions runs for the product addons page (its `id` is an addon id, not a product
     * id): recognised by the admin script, since WHMCS's first call there carries no `isAddon`.
     */
    public static function onAddonPage(): bool
    {
        return basename((string) ($_SERVER['SCRIPT_NAME'] ?? '')) === self::ADDON_PAGE;
    }
}
