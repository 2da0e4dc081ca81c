<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * Who asks for or redeems a webmail link: the client account the session manages and/or the staff
 * member logged in to the admin area (0 = none), as WHMCS 8's WHMCS\Authentication\CurrentUser
 * reports them (developers.whmcs.com/advanced/authentication).
 */
final class SsoActor
{
    /** tblclients.id of the session's client account, 0 when none. */
    public int $clientId;
    /** tbladmins.id of the session's staff member, 0 when none. */
    public int $adminId;

    public function __construct(int $clientId, int $adminId)
    {
        $this->clientId = max(0, $clientId);
        $this->adminId = max(0, $adminId);
    }

    /** The current request's client and staff member. */
    public static function current(): self
    {
        $currentUser = new \WHMCS\Authentication\CurrentUser();
        $client = $currentUser->client();
        $admin = $currentUser->admin();
        return new self($client === null ? 0 : (int) $client->id, $admin === null ? 0 : (int) $admin->id);
    }

    /** True when nobody is logged in. */
    public function isAnonymous(): bool
    {
        return $this->clientId === 0 && $this->adminId === 0;
    }

    /**
     * Whom a link for a service of $ownerClientId is bound to: the owner when the session manages that
     * client account (the client area, or staff logged in as the client), otherwise the staff member
     * (the admin service page), otherwise the owner.
     */
    public function bindingFor(int $ownerClientId): self
    {
        if ($this->clientId === $ownerClientId || $this->adminId === 0) {
            return new self($ownerClientId, 0);
        }
        return new self(0, $this->adminId);
    }

    /** "client #12" or "staff member #3", for the activity log. */
    public function describe(): string
    {
        return $this->adminId > 0 && $this->clientId === 0 ? 'staff member #' . $this->adminId : 'client #' . $this->clientId;
    }
}
