<?php

namespace WHMCS\Module\Server\kerioSingle;

use Illuminate\Database\Connection;
use Illuminate\Database\QueryException;
use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * Writes the usage figures of many services (diskusage/disklimit in MB, lastupdate) all at once,
 * taking them as they come.
 *
 * write() creates a temporary staging table; add() stages the figures in multi-row INSERTs while
 * they arrive (during a usage run, while the engine is still reading Kerio); at the end one
 * UPDATE joins the staging table to tblhosting, in a transaction. Nothing reaches tblhosting
 * before that, and a run that fails halfway writes no figure at all.
 * No transaction is open while the figures arrive, so the module log of a failed run is kept.
 * (make bench, 100,000 services on MariaDB: staging while the engine reads saves the ~0.3 s the
 * INSERTs took after it; bench/README.md.)
 *
 * Not every WHMCS database user may create temporary tables (the CREATE TEMPORARY TABLES
 * privilege); without it the figures are kept in memory and written at the end with the slower
 * chunked UPDATE … CASE (in one transaction), and the module log says so once per run. Services
 * deleted meanwhile are simply not updated.
 */
final class UsageWriter
{
    /** The temporary table the figures are staged in (private to the connection). */
    private const STAGE = 'kerio_single_usage';
    /**
     * Rows per INSERT into the staging table: about 100 KB of SQL each, far below MySQL's
     * max_allowed_packet, and few statements for 10,000 services.
     */
    private const STAGE_ROWS_PER_INSERT = 5000;
    /** Services per UPDATE … CASE when no staging table can be made (the CASE list is searched per row). */
    private const CASE_ROWS_PER_UPDATE = 200;

    private Connection $db;
    private bool $sqlite;
    private string $now;
    /** Whether the staging table exists (false: the figures wait in $pending for UPDATE … CASE). */
    private bool $staged;
    /** @var array<int, array{0: int, 1: int}> service id => [used MB, limit MB], not staged yet */
    private array $pending = [];
    private int $added = 0;
    /** Whether the run has been written or dropped. */
    private bool $ended = false;

    private function __construct(Connection $db, string $now)
    {
        $this->db = $db;
        $this->sqlite = $db->getDriverName() === 'sqlite';
        $this->now = $now;
        $refusal = $this->createStage();
        $this->staged = $refusal === null;
        if ($refusal !== null) {
            (new ModuleLog('UsageUpdate', []))->note(
                ['lastupdate' => $now],
                'The WHMCS database user could not create a temporary table (' . $refusal . '); usage was written with '
                . 'the slower chunked UPDATE instead. To speed it up: GRANT CREATE TEMPORARY TABLES ON <whmcs database>.* TO <whmcs user>.'
            );
        }
    }

    /**
     * One run stamped with $now: $stage adds the figures (it may take them as they arrive), then
     * they are written in one transaction; returns how many services were added. If $stage
     * throws, nothing is written and the exception passes through.
     *
     * @param callable(self): void $stage
     */
    public static function write(string $now, callable $stage): int
    {
        $writer = new self(Capsule::connection(), $now);
        try {
            $stage($writer);
        } catch (\Throwable $failure) {
            $writer->abort();
            throw $failure;
        }
        return $writer->finish();
    }

    /** Takes one service's figures (each service once per run). */
    public function add(int $serviceId, int $usedMb, int $limitMb): void
    {
        $this->pending[$serviceId] = [$usedMb, $limitMb];
        $this->added++;
        if ($this->staged && count($this->pending) >= self::STAGE_ROWS_PER_INSERT) {
            $this->stagePending();
        }
    }

    /** How many services' figures were added. */
    public function added(): int
    {
        return $this->added;
    }

    /**
     * Writes every figure added to tblhosting in one transaction; returns how many services were
     * added. A failure rolls the write back and is thrown.
     */
    private function finish(): int
    {
        try {
            if ($this->staged) {
                $this->stagePending();
            }
            $this->db->transaction(function (): void {
                if ($this->staged) {
                    $this->updateFromStage();
                } else {
                    $this->updateByCase();
                }
            });
        } finally {
            $this->end();
        }
        return $this->added;
    }

    /** Drops everything added: tblhosting stays as it was. Does nothing once the run has ended. */
    private function abort(): void
    {
        $this->end();
    }

    /** Forgets the figures and drops the staging table, once. */
    private function end(): void
    {
        if ($this->ended) {
            return;
        }
        $this->ended = true;
        $this->pending = [];
        if ($this->staged) {
            $this->db->statement('DROP ' . $this->stageTable());
        }
    }

    /** The staging table as DROP names it (SQLite drops temporary tables by their `temp.` name). */
    private function stageTable(): string
    {
        return $this->sqlite ? 'TABLE IF EXISTS temp.' . self::STAGE : 'TEMPORARY TABLE IF EXISTS ' . self::STAGE;
    }

    /** INSERTs the pending figures into the staging table. */
    private function stagePending(): void
    {
        if ($this->pending !== []) {
            $this->db->insert('INSERT INTO ' . self::STAGE . ' (id, used_mb, limit_mb) VALUES ' . self::integerRows($this->pending));
            $this->pending = [];
        }
    }

    /** One UPDATE joining the staging table to tblhosting. */
    private function updateFromStage(): void
    {
        $this->db->update($this->sqlite
            ? 'UPDATE tblhosting SET diskusage = s.used_mb, disklimit = s.limit_mb, lastupdate = ?'
                . ' FROM ' . self::STAGE . ' s WHERE s.id = tblhosting.id'
            : 'UPDATE tblhosting h JOIN ' . self::STAGE . ' s ON s.id = h.id'
                . ' SET h.diskusage = s.used_mb, h.disklimit = s.limit_mb, h.lastupdate = ?', [$this->now]);
    }

    /**
     * The write without a staging table: UPDATE … SET diskusage = CASE id WHEN … END, … WHERE id IN (…)
     * for CASE_ROWS_PER_UPDATE services at a time (values are integer literals, see integerRows()).
     */
    private function updateByCase(): void
    {
        foreach (array_chunk($this->pending, self::CASE_ROWS_PER_UPDATE, true) as $chunk) {
            $used = $limit = '';
            foreach ($chunk as $serviceId => [$usedMb, $limitMb]) {
                $used .= ' WHEN ' . (int) $serviceId . ' THEN ' . (int) $usedMb;
                $limit .= ' WHEN ' . (int) $serviceId . ' THEN ' . (int) $limitMb;
            }
            $ids = implode(',', array_map('intval', array_keys($chunk)));
            $this->db->update('UPDATE tblhosting SET diskusage = CASE id' . $used . ' END, disklimit = CASE id' . $limit . ' END,'
                . ' lastupdate = ? WHERE id IN (' . $ids . ')', [$this->now]);
        }
    }

    /**
     * The rows as SQL literals, `(id,used,limit),…`. Every value is cast to int here, so nothing
     * but digits and minus signs reaches the SQL; binding 30,000 parameters instead took twice as
     * long as the INSERT itself.
     *
     * @param array<int, array{0: int, 1: int}> $rows service id => [used MB, limit MB]
     */
    private static function integerRows(array $rows): string
    {
        $literals = [];
        foreach ($rows as $serviceId => [$usedMb, $limitMb]) {
            $literals[] = '(' . (int) $serviceId . ',' . (int) $usedMb . ',' . (int) $limitMb . ')';
        }
        return implode(',', $literals);
    }

    /**
     * Creates the connection's staging table (MySQL: in memory; SQLite, which the demo uses, has no
     * ENGINE clause).
     *
     * @return string|null null when created, otherwise the database's refusal
     */
    private function createStage(): ?string
    {
        try {
            // A run stopped by a fatal error may have left its table on this connection.
            $this->db->statement('DROP ' . $this->stageTable());
            $this->db->statement('CREATE TEMPORARY TABLE ' . self::STAGE
                . ' (id INTEGER NOT NULL PRIMARY KEY, used_mb INTEGER NOT NULL, limit_mb INTEGER NOT NULL)'
                . ($this->sqlite ? '' : ' ENGINE=MEMORY'));
            return null;
        } catch (QueryException $refused) {
            return $refused->getPrevious() instanceof \PDOException ? $refused->getPrevious()->getMessage() : $refused->getMessage();
        }
    }
}
