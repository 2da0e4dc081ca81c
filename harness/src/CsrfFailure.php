<?php

namespace KerioSingle\Harness;

/**
 * check_token() found no or a wrong token: WHMCS ends the request here (ProgramExit), so nothing
 * after the check runs.
 */
final class CsrfFailure extends \RuntimeException
{
}
