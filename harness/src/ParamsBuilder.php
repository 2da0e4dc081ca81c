<?php

namespace KerioSingle\Harness;

use WHMCS\Database\Capsule;

/**
 * Builds module params the way WHMCS 8 does (reference §3, developers.whmcs.com module-parameters):
 * service keys, `isAddon` (false) and `addonId` (0), configoption1..24, customfields keyed by the name
 * before `|`, `configoptions` from the service's Configurable Options (option name => chosen
 * sub-option name, both cut at `|`; yes/no and quantity options give the quantity), `model` (the
 * service model), clientsdetails, server keys with the password decrypted and the port falling back
 * to MetaData's default, `whmcsVersion`; then, for APIVersion 1.1, every string HTML-entity decoded.
 */
final class ParamsBuilder
{
    /** The WHMCS version the harness claims to be. */
    public const WHMCS_VERSION = '8.13.1-release.1';
    /** tblproductconfigoptions.optiontype of a yes/no option. */
    public const YES_NO = 3;
    /** tblproductconfigoptions.optiontype of a quantity option. */
    public const QUANTITY = 4;

    /**
     * Params for a service-context call.
     *
     * @return array<string, mixed>
     * @throws \RuntimeException for an unknown service
     */
    public static function forService(int $serviceId, string $module): array
    {
        $service = Capsule::table('tblhosting')->where('id', $serviceId)->first();
        if ($service === null) {
            throw new \RuntimeException('Service ' . $serviceId . ' does not exist.');
        }
        $product = Capsule::table('tblproducts')->where('id', $service->packageid)->first();
        $params = [
            'accountid' => (int) $service->id,
            'serviceid' => (int) $service->id,
            'addonId' => 0,
            'isAddon' => false,
            'userid' => (int) $service->userid,
            'domain' => (string) $service->domain,
            'username' => (string) $service->username,
            'password' => Crypto::decrypt((string) $service->password),
            'packageid' => (int) $service->packageid,
            'pid' => (int) $service->packageid,
            'serverid' => (int) $service->server,
            'status' => (string) $service->domainstatus,
            'type' => (string) $product->type,
            'producttype' => (string) $product->type,
            'moduletype' => (string) $product->servertype,
        ];
        for ($n = 1; $n <= 24; $n++) {
            $params['configoption' . $n] = (string) $product->{'configoption' . $n};
        }
        $params['customfields'] = self::customFields((int) $product->id, $serviceId);
        $params['configoptions'] = self::configurableOptions($serviceId);
        $params['model'] = \WHMCS\Service\Service::find($serviceId);
        $params['clientsdetails'] = self::clientDetails((int) $service->userid);
        return self::decode($params + self::forServer((int) $service->server, $module));
    }

    /**
     * Server keys only (UsageUpdate, TestConnection, ListAccounts); `server` false when none.
     *
     * @return array<string, mixed>
     */
    public static function forServer(int $serverId, string $module): array
    {
        $server = Capsule::table('tblservers')->where('id', $serverId)->first();
        if ($server === null) {
            return ['server' => false, 'serverid' => 0, 'serverip' => '', 'serverhostname' => '', 'serverusername' => '',
                'serverpassword' => '', 'serveraccesshash' => '', 'serversecure' => false, 'serverhttpprefix' => 'http',
                'serverport' => '', 'whmcsVersion' => self::WHMCS_VERSION];
        }
        $secure = (string) $server->secure === 'on';
        return self::decode([
            'server' => true,
            'serverid' => (int) $server->id,
            'serverip' => (string) $server->ipaddress,
            'serverhostname' => (string) $server->hostname,
            'serverusername' => (string) $server->username,
            'serverpassword' => Crypto::decrypt((string) $server->password),
            'serveraccesshash' => (string) $server->accesshash,
            'serversecure' => $secure,
            'serverhttpprefix' => $secure ? 'https' : 'http',
            'serverport' => self::port($server->port, $secure, $module),
            'whmcsVersion' => self::WHMCS_VERSION,
        ]);
    }

    /**
     * The client as GetClientsDetails returns it (the subset the harness stores); [] when unknown.
     *
     * @return array<string, mixed>
     */
    public static function clientDetails(int $clientId): array
    {
        $client = Capsule::table('tblclients')->where('id', $clientId)->first();
        if ($client === null) {
            return [];
        }
        $details = (array) $client;
        unset($details['password']);
        $details['userid'] = $details['client_id'] = (int) $client->id;
        $details['fullname'] = trim($client->firstname . ' ' . $client->lastname);
        $details['countrycode'] = $client->country;
        $details['language'] = (string) $client->language;
        return $details;
    }

    /**
     * Product custom fields of the service: name and value cut at the first `|`.
     *
     * @return array<string, string>
     */
    private static function customFields(int $productId, int $serviceId): array
    {
        $rows = Capsule::table('tblcustomfields as f')
            ->leftJoin('tblcustomfieldsvalues as v', static function ($join) use ($serviceId): void {
                $join->on('v.fieldid', '=', 'f.id')->where('v.relid', '=', $serviceId);
            })
            ->where('f.type', 'product')
            ->where('f.relid', $productId)
            ->orderBy('f.sortorder')->orderBy('f.id')
            ->get(['f.fieldname', 'v.value']);
        $fields = [];
        foreach ($rows as $row) {
            $fields[self::beforePipe((string) $row->fieldname)] = self::beforePipe((string) $row->value);
        }
        return $fields;
    }

    /**
     * The service's Configurable Options from the groups linked to its current product (an inner join
     * on tblproductconfiglinks, as WHMCS builds them): option name => chosen sub-option name (both cut
     * at `|` and trimmed); for yes/no (type 3) and quantity (type 4) options the quantity.
     *
     * @return array<string, string|int>
     */
    private static function configurableOptions(int $serviceId): array
    {
        $rows = Capsule::table('tblhostingconfigoptions as h')
            ->join('tblproductconfigoptions as o', 'o.id', '=', 'h.configid')
            ->join('tblhosting as service', 'service.id', '=', 'h.relid')
            ->join('tblproductconfiglinks as l', static function ($join): void {
                $join->on('l.gid', '=', 'o.gid')->on('l.pid', '=', 'service.packageid');
            })
            ->leftJoin('tblproductconfigoptionssub as s', 's.id', '=', 'h.optionid')
            ->where('h.relid', $serviceId)
            ->orderBy('o.order')->orderBy('o.id')
            ->get(['o.optionname as option', 'o.optiontype as type', 's.optionname as choice', 'h.qty']);
        $options = [];
        foreach ($rows as $row) {
            $options[trim(self::beforePipe((string) $row->option))] = in_array((int) $row->type, [self::YES_NO, self::QUANTITY], true)
                ? (int) $row->qty : trim(self::beforePipe((string) $row->choice));
        }
        return $options;
    }

    /**
     * tblservers.port, else MetaData DefaultSSLPort / DefaultNonSSLPort.
     *
     * @param mixed $port
     * @return int|string
     */
    private static function port($port, bool $secure, string $module)
    {
        if ((int) $port > 0) {
            return (int) $port;
        }
        $meta = ModuleLoader::metaData($module);
        return (string) ($meta[$secure ? 'DefaultSSLPort' : 'DefaultNonSSLPort'] ?? '');
    }

    private static function beforePipe(string $text): string
    {
        $pipe = strpos($text, '|');
        return $pipe === false ? $text : substr($text, 0, $pipe);
    }

    /**
     * APIVersion 1.1: html_entity_decode(ENT_QUOTES) on every string, &nbsp; becoming a space.
     *
     * @param array<mixed> $params
     * @return array<mixed>
     */
    public static function decode(array $params): array
    {
        array_walk_recursive($params, static function (&$value): void {
            if (is_string($value)) {
                $value = html_entity_decode(str_replace('&nbsp;', ' ', $value), ENT_QUOTES);
            }
        });
        return $params;
    }
}
