<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * A server or product setting in WHMCS is malformed; the message names the setting and the fix.
 */
final class SettingsError extends \InvalidArgumentException
{
}
