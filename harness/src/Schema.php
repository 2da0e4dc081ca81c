<?php

namespace KerioSingle\Harness;

use Illuminate\Database\Schema\Blueprint;
use Illuminate\Database\Schema\Builder;

/**
 * The WHMCS 8 tables kerioSingle touches, with WHMCS's column names, types and defaults
 * (flags as 'on'/'', zero-date defaults, MB integers for usage).
 */
final class Schema
{
    private const ZERO_DATE = '0000-00-00';
    private const ZERO_DATETIME = '0000-00-00 00:00:00';

    /**
     * Drops every table (also those a module created on first use, e.g. mod_keriosingle_policy, which
     * a fresh WHMCS install does not have: a cache or rate count must not leak from one install into
     * the next) and creates WHMCS's.
     */
    public static function create(Builder $schema): void
    {
        $schema->dropAllTables();
        $tables = [
            'tblconfiguration' => [self::class, 'configuration'],
            'tblclients' => [self::class, 'clients'],
            'tbladmins' => [self::class, 'admins'],
            'tblservers' => [self::class, 'servers'],
            'tblproducts' => [self::class, 'products'],
            'tbladdons' => [self::class, 'addons'],
            'tblhosting' => [self::class, 'hosting'],
            'tblcustomfields' => [self::class, 'customFields'],
            'tblcustomfieldsvalues' => [self::class, 'customFieldsValues'],
            'tblcurrencies' => [self::class, 'currencies'],
            'tblproductconfiggroups' => [self::class, 'productConfigGroups'],
            'tblproductconfiglinks' => [self::class, 'productConfigLinks'],
            'tblproductconfigoptions' => [self::class, 'productConfigOptions'],
            'tblproductconfigoptionssub' => [self::class, 'productConfigOptionsSub'],
            'tblpricing' => [self::class, 'pricing'],
            'tblhostingconfigoptions' => [self::class, 'hostingConfigOptions'],
            'tblemailtemplates' => [self::class, 'emailTemplates'],
            'tblmodulelog' => [self::class, 'moduleLog'],
            'tblmodulequeue' => [self::class, 'moduleQueue'],
            'tblactivitylog' => [self::class, 'activityLog'],
            'tblservergroups' => [self::class, 'serverGroups'],
            'tblservergroupsrel' => [self::class, 'serverGroupsRel'],
            'tblupgrades' => [self::class, 'upgrades'],
        ];
        foreach ($tables as $name => $definition) {
            $schema->dropIfExists($name);
            $schema->create($name, \Closure::fromCallable($definition));
        }
    }

    /** tblconfiguration: WHMCS settings (ModuleDebugMode, SystemURL, Language, …). */
    public static function configuration(Blueprint $table): void
    {
        $table->string('setting', 64)->primary();
        $table->text('value')->default('');
        $table->timestamps();
    }

    /** tblclients (the columns a module can see through clientsdetails). */
    public static function clients(Blueprint $table): void
    {
        $table->increments('id');
        $table->string('uuid', 255)->default('');
        foreach (['firstname', 'lastname', 'companyname', 'email', 'address1', 'address2', 'city', 'state', 'postcode', 'phonenumber', 'tax_id'] as $column) {
            $table->text($column)->nullable()->default('');
        }
        $table->string('country', 2)->default('');
        $table->text('password')->nullable()->default('');
        $table->integer('currency')->default(1);
        $table->text('defaultgateway')->nullable()->default('');
        $table->decimal('credit', 16, 2)->default(0);
        $table->string('taxexempt', 2)->default('');
        $table->date('datecreated')->default(self::ZERO_DATE);
        $table->text('notes')->nullable()->default('');
        $table->integer('groupid')->default(0);
        $table->string('status', 16)->default('Active');
        $table->text('language')->nullable()->default('');
        $table->string('allow_sso', 2)->default('1');
        $table->string('email_verified', 2)->default('0');
        $table->timestamps();
    }

    /** tbladmins: staff members (the columns the harness uses). */
    public static function admins(Blueprint $table): void
    {
        $table->increments('id');
        $table->text('username')->default('');
        $table->text('firstname')->default('');
        $table->text('lastname')->default('');
        $table->text('email')->default('');
        $table->integer('disabled')->default(0);
        $table->timestamps();
    }

    /** tblservers: password encrypted, accesshash plain, secure 'on'/''. */
    public static function servers(Blueprint $table): void
    {
        $table->increments('id');
        $table->text('name')->default('');
        $table->text('ipaddress')->default('');
        $table->text('assignedips')->default('');
        $table->text('hostname')->default('');
        $table->decimal('monthlycost', 16, 2)->default(0);
        $table->text('noc')->default('');
        $table->text('statusaddress')->default('');
        for ($n = 1; $n <= 5; $n++) {
            $table->text('nameserver' . $n)->default('');
            $table->text('nameserver' . $n . 'ip')->default('');
        }
        $table->integer('maxaccounts')->default(0);
        $table->text('type')->default('');
        $table->text('username')->default('');
        $table->text('password')->default('');
        $table->text('accesshash')->default('');
        $table->text('secure')->default('');
        $table->integer('port')->nullable();
        $table->integer('active')->default(0);
        $table->integer('disabled')->default(0);
    }

    /** tblproducts with configoption1..24. */
    public static function products(Blueprint $table): void
    {
        $table->increments('id');
        $table->text('type')->default('');
        $table->integer('gid')->default(0);
        $table->text('name')->default('');
        $table->text('slug')->default('');
        $table->text('description')->default('');
        $table->string('hidden', 2)->default('');
        $table->string('showdomainoptions', 2)->default('');
        $table->integer('welcomeemail')->default(0);
        $table->string('stockcontrol', 2)->default('');
        $table->integer('qty')->default(0);
        $table->text('paytype')->default('');
        $table->text('autosetup')->default('');
        $table->text('servertype')->default('');
        $table->integer('servergroup')->default(0);
        for ($n = 1; $n <= 24; $n++) {
            $table->text('configoption' . $n)->default('');
        }
        $table->string('overagesenabled', 2)->default('');
        $table->integer('overagesdisklimit')->default(0);
        $table->integer('overagesbwlimit')->default(0);
        $table->integer('retired')->default(0);
        $table->integer('order')->default(0);
        $table->timestamps();
    }

    /** tbladdons: product addons; `module` names the server module an addon may provision with. */
    public static function addons(Blueprint $table): void
    {
        $table->increments('id');
        $table->text('packages')->default('');
        $table->text('name')->default('');
        $table->text('description')->default('');
        $table->text('billingcycle')->default('');
        $table->string('showorder', 2)->default('');
        $table->text('module')->default('');
        $table->timestamps();
    }

    /** tblhosting: one row per service; password encrypted; usage in MB. */
    public static function hosting(Blueprint $table): void
    {
        $table->increments('id');
        $table->integer('userid');
        $table->integer('orderid')->default(0);
        $table->integer('packageid');
        $table->integer('server')->default(0);
        $table->date('regdate')->default(self::ZERO_DATE);
        $table->text('domain')->default('');
        $table->text('paymentmethod')->default('');
        $table->integer('qty')->default(1);
        $table->decimal('firstpaymentamount', 16, 2)->default(0);
        $table->decimal('amount', 16, 2)->default(0);
        $table->text('billingcycle')->default('');
        $table->date('nextduedate')->nullable();
        $table->date('nextinvoicedate')->default(self::ZERO_DATE);
        $table->date('termination_date')->default(self::ZERO_DATE);
        $table->date('completed_date')->default(self::ZERO_DATE);
        $table->enum('domainstatus', ['Pending', 'Active', 'Suspended', 'Terminated', 'Cancelled', 'Fraud', 'Completed'])->default('Pending');
        $table->text('username')->default('');
        $table->text('password')->default('');
        $table->text('notes')->default('');
        $table->text('subscriptionid')->default('');
        $table->integer('promoid')->default(0);
        $table->text('suspendreason')->default('');
        $table->string('overideautosuspend', 2)->default('');
        $table->date('overidesuspenduntil')->default(self::ZERO_DATE);
        $table->text('dedicatedip')->default('');
        $table->text('assignedips')->default('');
        $table->text('ns1')->default('');
        $table->text('ns2')->default('');
        $table->integer('diskusage')->default(0);
        $table->integer('disklimit')->default(0);
        $table->integer('bwusage')->default(0);
        $table->integer('bwlimit')->default(0);
        $table->dateTime('lastupdate')->default(self::ZERO_DATETIME);
        $table->timestamps();
        $table->index(['server', 'domainstatus']);
    }

    /** tblcustomfields: 'key|Label' names, flags 'on'/''. */
    public static function customFields(Blueprint $table): void
    {
        $table->increments('id');
        $table->text('type')->default('');
        $table->integer('relid')->default(0);
        $table->text('fieldname')->default('');
        $table->text('fieldtype')->default('');
        $table->text('description')->default('');
        $table->text('fieldoptions')->default('');
        $table->text('regexpr')->default('');
        $table->text('adminonly')->default('');
        $table->text('required')->default('');
        $table->text('showorder')->default('');
        $table->text('showinvoice')->default('');
        $table->integer('sortorder')->default(0);
        $table->timestamps();
    }

    /** tblcustomfieldsvalues: relid = tblhosting.id for product fields; (fieldid, relid) not unique. */
    public static function customFieldsValues(Blueprint $table): void
    {
        $table->increments('id');
        $table->integer('fieldid');
        $table->integer('relid');
        $table->text('value')->default('');
        $table->timestamps();
        $table->index(['fieldid', 'relid']);
    }

    /** tblcurrencies: `default` 1 on the default currency. */
    public static function currencies(Blueprint $table): void
    {
        $table->increments('id');
        $table->text('code')->default('');
        $table->text('prefix')->default('');
        $table->text('suffix')->default('');
        $table->integer('format')->default(1);
        $table->decimal('rate', 10, 5)->default(1);
        $table->integer('default')->default(0);
    }

    /** tblproductconfiggroups: a named group of Configurable Options. */
    public static function productConfigGroups(Blueprint $table): void
    {
        $table->increments('id');
        $table->text('name')->default('');
        $table->text('description')->default('');
    }

    /** tblproductconfiglinks: which products (pid) a group (gid) applies to. */
    public static function productConfigLinks(Blueprint $table): void
    {
        $table->increments('id');
        $table->integer('gid')->default(0);
        $table->integer('pid')->default(0);
    }

    /** tblproductconfigoptions: 'name|Label' optionname; optiontype 1 dropdown, 2 radio, 3 yes/no, 4 quantity. */
    public static function productConfigOptions(Blueprint $table): void
    {
        $table->increments('id');
        $table->integer('gid')->default(0);
        $table->text('optionname')->default('');
        $table->text('optiontype')->default('');
        $table->integer('qtyminimum')->default(0);
        $table->integer('qtymaximum')->default(0);
        $table->integer('order')->default(0);
        $table->integer('hidden')->default(0);
    }

    /** tblproductconfigoptionssub: the choices of an option ('value|Label'); a quantity option has one. */
    public static function productConfigOptionsSub(Blueprint $table): void
    {
        $table->increments('id');
        $table->integer('configid')->default(0);
        $table->text('optionname')->default('');
        $table->integer('sortorder')->default(0);
        $table->integer('hidden')->default(0);
    }

    /** tblpricing: type 'configoptions' rows carry relid = sub-option id, one row per currency. */
    public static function pricing(Blueprint $table): void
    {
        $table->increments('id');
        $table->text('type')->default('');
        $table->integer('currency')->default(0);
        $table->integer('relid')->default(0);
        foreach (['msetupfee', 'qsetupfee', 'ssetupfee', 'asetupfee', 'bsetupfee', 'tsetupfee',
            'monthly', 'quarterly', 'semiannually', 'annually', 'biennially', 'triennially'] as $column) {
            $table->decimal($column, 16, 2)->default(0);
        }
    }

    /** tblhostingconfigoptions: a service's (relid) choice per option: optionid = sub-option, qty for quantity/yes-no. */
    public static function hostingConfigOptions(Blueprint $table): void
    {
        $table->increments('id');
        $table->integer('relid')->default(0);
        $table->integer('configid')->default(0);
        $table->integer('optionid')->default(0);
        $table->integer('qty')->default(0);
    }

    /** tblemailtemplates: type 'product' for product welcome e-mails; language '' = the default version. */
    public static function emailTemplates(Blueprint $table): void
    {
        $table->increments('id');
        $table->text('type')->default('');
        $table->text('name')->default('');
        $table->text('subject')->default('');
        $table->mediumText('message')->default('');
        $table->text('attachments')->default('');
        $table->text('fromname')->default('');
        $table->text('fromemail')->default('');
        $table->integer('disabled')->default(0);
        $table->integer('custom')->default(0);
        $table->text('language')->default('');
        $table->text('copyto')->default('');
        $table->text('blind_copy_to')->default('');
        $table->integer('plaintext')->default(0);
        $table->timestamps();
    }

    /** tblmodulelog: module and action stored lower-case. */
    public static function moduleLog(Blueprint $table): void
    {
        $table->increments('id');
        $table->dateTime('date');
        $table->text('module')->default('');
        $table->text('action')->default('');
        $table->mediumText('request')->default('');
        $table->mediumText('response')->default('');
        $table->mediumText('arrdata')->default('');
    }

    /** tblmodulequeue: failed module actions waiting for a retry. */
    public static function moduleQueue(Blueprint $table): void
    {
        $table->increments('id');
        $table->string('service_type', 20);
        $table->integer('service_id');
        $table->string('module_name', 64);
        $table->string('module_action', 64);
        $table->dateTime('last_attempt');
        $table->text('last_attempt_error')->default('');
        $table->integer('num_retries')->default(0);
        $table->integer('completed')->default(0);
        $table->timestamps();
    }

    /** tblactivitylog. */
    public static function activityLog(Blueprint $table): void
    {
        $table->increments('id');
        $table->dateTime('date');
        $table->text('description')->default('');
        $table->text('user')->default('');
        $table->integer('userid')->default(0);
        $table->integer('admin_id')->default(0);
        $table->text('ipaddr')->default('');
    }

    /** tblservergroups: Setup > Servers > Create New Group (a product's `servergroup`). */
    public static function serverGroups(Blueprint $table): void
    {
        $table->increments('id');
        $table->text('name')->default('');
        $table->integer('filltype')->default(1);
        $table->integer('disabled')->default(0);
    }

    /** tblservergroupsrel: the servers of a group. */
    public static function serverGroupsRel(Blueprint $table): void
    {
        $table->integer('groupid');
        $table->integer('serverid');
    }

    /** tblupgrades: one row per changed Configurable Option of an upgrade order (`configid=>optionid` values). */
    public static function upgrades(Blueprint $table): void
    {
        $table->increments('id');
        $table->integer('orderid')->default(0);
        $table->text('type')->default('');
        $table->date('date')->default(self::ZERO_DATE);
        $table->integer('relid')->default(0);
        $table->text('originalvalue')->default('');
        $table->text('newvalue')->default('');
        $table->text('status')->default('Pending');
    }
}
