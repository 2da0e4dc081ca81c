<?php

namespace WHMCS\Module\Server\kerioSingle;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * The contract of WHMCS lifecycle functions: exactly 'success' when the engine confirmed the change,
 * otherwise one error string saying what to fix. Nothing escapes as an exception.
 */
final class Lifecycle
{
    /**
     * Runs the operation and converts every outcome into WHMCS's return value.
     *
     * @param array<string, mixed> $params      WHMCS module params (for masking secrets in the log)
     * @param callable(): void     $operation   throws on any failure
     * @param bool                 $forCustomer the text goes to the customer (client-area functions):
     *                                          without the engine's staff-only detail
     */
    public static function run(string $action, array $params, callable $operation, bool $forCustomer = false): string
    {
        try {
            $operation();
            return 'success';
        } catch (EngineError $error) {
            return $forCustomer ? ModuleLog::mask($error->describe(), self::secretsOf($params)) : self::errorText($error, $params);
        } catch (SettingsError $error) {
            $message = self::errorText($error, $params);
        } catch (\Throwable $error) {
            $message = 'Unexpected ' . get_class($error) . ': ' . self::errorText($error, $params);
        }
        self::logFailure($action, $params, $message);
        return $message;
    }

    /**
     * The text WHMCS shows staff for a failure: an engine error's message, hint and staff-only detail
     * (describeForAdmin), any other error's message; the secret values of the params (and
     * $moreSecrets) masked in it.
     *
     * @param array<string, mixed> $params
     * @param list<string>         $moreSecrets secrets not in the params (e.g. a password being checked)
     */
    public static function errorText(\Throwable $error, array $params, array $moreSecrets = []): string
    {
        $text = $error instanceof EngineError ? $error->describeForAdmin() : $error->getMessage();
        return ModuleLog::mask($text, array_merge(self::secretsOf($params), $moreSecrets));
    }

    /**
     * The mailbox address of a provisioned service (tblhosting.username).
     *
     * @param array<string, mixed> $params
     * @throws SettingsError when the service has no mailbox yet
     */
    public static function address(array $params): string
    {
        $address = trim((string) ($params['username'] ?? ''));
        if ($address === '' || strpos($address, '@') === false) {
            throw new SettingsError(
                'This service has no mailbox address yet (its username is ' . SettingsError::quote($address) . '): run Create first, '
                . 'or set the username to the full mailbox address.'
            );
        }
        return $address;
    }

    /**
     * Secret values that may appear in module params: admin password, service password, order-form password.
     *
     * @param array<string, mixed> $params
     * @return list<string>
     */
    public static function secretsOf(array $params): array
    {
        return [
            (string) ($params['serverpassword'] ?? ''),
            (string) ($params['password'] ?? ''),
            (string) ($params['customfields'][CustomFields::PASSWORD] ?? ''),
        ];
    }

    /**
     * @param array<string, mixed> $params
     */
    private static function logFailure(string $action, array $params, string $message): void
    {
        $log = new ModuleLog($action, self::secretsOf($params));
        $log->failure(['serviceid' => $params['serviceid'] ?? null, 'serverid' => $params['serverid'] ?? null], $message);
    }
}
