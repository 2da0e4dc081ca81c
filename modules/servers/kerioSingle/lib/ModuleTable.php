<?php

namespace WHMCS\Module\Server\kerioSingle;

use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The module's own tables (`mod_keriosingle_*`), created on first use: a WHMCS install has none of
 * them, and a module has no install step of its own.
 */
final class ModuleTable
{
    /**
     * Creates $table with the columns $define adds when it does not exist yet.
     *
     * @param callable(\Illuminate\Database\Schema\Blueprint): void $define
     */
    public static function ensure(string $table, callable $define): void
    {
        $schema = Capsule::schema();
        if (!$schema->hasTable($table)) {
            $schema->create($table, $define);
        }
    }
}
