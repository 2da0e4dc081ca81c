<?php
/**
 * Stand-in for WHMCS\Module\Server, the WHMCS class module endpoints use to get a service's
 * params (loadByServiceID + buildParams), backed by the harness ParamsBuilder.
 */

namespace WHMCS\Module;

use KerioSingle\Harness\ParamsBuilder;
use WHMCS\Database\Capsule;

if (!class_exists(Server::class, false)) {
    /**
     * A service's module, loaded by service id.
     */
    final class Server
    {
        private int $serviceId = 0;
        private string $module = '';

        /** Loads the module of the service; false when the service does not exist. */
        public function loadByServiceID($serviceId): bool
        {
            $row = Capsule::table('tblhosting as h')->join('tblproducts as p', 'p.id', '=', 'h.packageid')
                ->where('h.id', (int) $serviceId)->first(['h.id', 'p.servertype']);
            if ($row === null) {
                return false;
            }
            $this->serviceId = (int) $row->id;
            $this->module = (string) $row->servertype;
            return true;
        }

        /**
         * The params WHMCS passes to module functions of this service.
         *
         * @return array<string, mixed>
         */
        public function buildParams(): array
        {
            return ParamsBuilder::forService($this->serviceId, $this->module);
        }
    }
}
