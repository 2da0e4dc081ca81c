<?php
/**
 * The WHMCS 8 classes modules use to learn who is logged in, as far as kerioSingle uses them:
 * WHMCS\Authentication\CurrentUser (developers.whmcs.com/advanced/authentication: client(), user(),
 * admin(), isAuthenticatedUser(), isAuthenticatedAdmin(); added in WHMCS 8.0) and the models it
 * returns, reduced to the attributes the module reads (`id`, and an admin's `username`).
 * Backed by the harness session (src/Session.php) and tblclients / tbladmins.
 */

namespace WHMCS\User {

    use WHMCS\Database\Capsule;

    if (!class_exists(Client::class, false)) {
        /** A client account (tblclients). */
        final class Client
        {
            /** @var int tblclients.id */
            public int $id;

            /** Loads the client; null when the id is unknown. */
            public static function find(int $id): ?self
            {
                if ($id <= 0 || Capsule::table('tblclients')->where('id', $id)->doesntExist()) {
                    return null;
                }
                $client = new self();
                $client->id = $id;
                return $client;
            }
        }
    }

    if (!class_exists(Admin::class, false)) {
        /** A staff member (tbladmins). */
        final class Admin
        {
            /** @var int tbladmins.id */
            public int $id;
            /** @var string tbladmins.username */
            public string $username;

            /** Loads the staff member; null when the id is unknown or the account disabled. */
            public static function find(int $id): ?self
            {
                $row = $id <= 0 ? null : Capsule::table('tbladmins')->where('id', $id)->where('disabled', 0)->first();
                if ($row === null) {
                    return null;
                }
                $admin = new self();
                $admin->id = (int) $row->id;
                $admin->username = (string) $row->username;
                return $admin;
            }
        }
    }
}

namespace WHMCS\Authentication {

    use KerioSingle\Harness\Session;
    use WHMCS\User\Admin;
    use WHMCS\User\Client;

    if (!class_exists(CurrentUser::class, false)) {
        /**
         * The authentication state of the current request; the states are not exclusive (a staff
         * member may also manage a client account).
         */
        final class CurrentUser
        {
            /** The client account being managed, or null. */
            public function client(): ?Client
            {
                return Client::find(Session::clientId());
            }

            /** The logged-in User (the harness has one User per client account), or null. */
            public function user(): ?Client
            {
                return $this->client();
            }

            /** The staff member logged in to the admin area, or null. */
            public function admin(): ?Admin
            {
                return Admin::find(Session::adminId());
            }

            /** Whether a User is logged in. */
            public function isAuthenticatedUser(): bool
            {
                return $this->user() !== null;
            }

            /** Whether a staff member is logged in. */
            public function isAuthenticatedAdmin(): bool
            {
                return $this->admin() !== null;
            }
        }
    }
}

namespace WHMCS\View\Formatter {

    if (!class_exists(Price::class, false)) {
        /**
         * A money amount as WHMCS 8 hands it to client-area templates (page variables such as
         * `firstpaymentamount`, `recurringamount`): an object that renders as the formatted price,
         * e.g. "$9.99 USD" (prefix, two decimals, suffix of the client's currency) [I: the class name is
         * documented at developers.whmcs.com/classes/…/view/formatter/price; the default currency format].
         */
        final class Price
        {
            private float $amount;
            /** @var array{prefix: string, suffix: string} */
            private array $currency;

            /**
             * @param array{prefix?: string, suffix?: string} $currency
             */
            public function __construct($amount, array $currency = [])
            {
                $this->amount = (float) $amount;
                $this->currency = ['prefix' => (string) ($currency['prefix'] ?? '$'), 'suffix' => (string) ($currency['suffix'] ?? ' USD')];
            }

            /** The amount as a number. */
            public function toNumeric(): string
            {
                return number_format($this->amount, 2, '.', '');
            }

            /** "$9.99 USD". */
            public function toFull(): string
            {
                return $this->currency['prefix'] . number_format($this->amount, 2) . $this->currency['suffix'];
            }

            /** Templates print the full form. */
            public function __toString(): string
            {
                return $this->toFull();
            }
        }
    }
}

namespace WHMCS\Service {

    use WHMCS\Database\Capsule;

    if (!class_exists(Service::class, false)) {
        /**
         * The service model WHMCS 8 passes as `$params['model']` (an Eloquent model of tblhosting in
         * WHMCS; here its columns as read-only attributes).
         */
        final class Service
        {
            /** @var array<string, mixed> */
            private array $attributes;

            /** @param array<string, mixed> $attributes */
            private function __construct(array $attributes)
            {
                $this->attributes = $attributes;
            }

            /** Loads the service; null when the id is unknown. */
            public static function find(int $id): ?self
            {
                $row = Capsule::table('tblhosting')->where('id', $id)->first();
                return $row === null ? null : new self((array) $row);
            }

            /** A column, e.g. `$model->domainstatus` (null when unknown). */
            public function __get(string $name)
            {
                return $this->attributes[$name] ?? null;
            }

            /** Whether the column exists and is not null. */
            public function __isset(string $name): bool
            {
                return isset($this->attributes[$name]);
            }
        }
    }
}
