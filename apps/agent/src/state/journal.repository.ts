import { UpkeepError } from '@upkeep/errors';
import type { StateDatabase, SqlRow } from './state-database.repository.ts';
import { integerColumn, jsonColumn, optionalTextColumn, textColumn } from './state-row.ts';
import { TERMINAL_STEPS, isJournalStep, type JournalEntry, type OperationKind } from './journal.types.ts';

const KINDS: readonly string[] = ['install', 'upgrade', 'rollback'];

function toEntry(row: SqlRow): JournalEntry {
  const step = textColumn(row, 'step');
  const kind = textColumn(row, 'kind');
  if (!isJournalStep(step) || !KINDS.includes(kind)) {
    throw new UpkeepError(
      'STATE_CORRUPT',
      `journal entry ${String(row.id)} has unknown step ${step} or kind ${kind}`,
      {
        details: { step, kind },
        hint: 'the journal was written by a newer agent or edited by hand',
      },
    );
  }
  return {
    operationId: textColumn(row, 'operation_id'),
    seq: integerColumn(row, 'seq'),
    kind: kind as OperationKind,
    component: textColumn(row, 'component'),
    fromVersion: optionalTextColumn(row, 'from_version'),
    toVersion: optionalTextColumn(row, 'to_version'),
    step,
    data: jsonColumn(row, 'data'),
    createdAt: textColumn(row, 'created_at'),
  };
}

const TERMINAL_LIST = TERMINAL_STEPS.map((step) => `'${step}'`).join(', ');

/** `journal`: the write-ahead record of every operation's steps. */
export class JournalRepository {
  readonly #db: StateDatabase;

  constructor(db: StateDatabase) {
    this.#db = db;
  }

  /** Appends the entry; `seq` must be the operation's next number (a duplicate is refused by the schema). */
  append(entry: JournalEntry): void {
    this.#db.transaction(() => {
      this.#db.run(
        `INSERT INTO journal (operation_id, seq, kind, component, from_version, to_version, step, data, created_at)
         VALUES (:operation_id, :seq, :kind, :component, :from_version, :to_version, :step, :data, :created_at)`,
        {
          operation_id: entry.operationId,
          seq: entry.seq,
          kind: entry.kind,
          component: entry.component,
          from_version: entry.fromVersion,
          to_version: entry.toVersion,
          step: entry.step,
          data: JSON.stringify(entry.data),
          created_at: entry.createdAt,
        },
      );
    });
  }

  entries(operationId: string): JournalEntry[] {
    return this.#db
      .all('SELECT * FROM journal WHERE operation_id = :operationId ORDER BY seq', { operationId })
      .map(toEntry);
  }

  /** The last entry of every operation that has not reached a terminal step, oldest first. */
  unfinished(): JournalEntry[] {
    return this.#db
      .all(
        `SELECT j.* FROM journal j
         JOIN (SELECT operation_id, MAX(seq) AS seq FROM journal GROUP BY operation_id) last
           ON last.operation_id = j.operation_id AND last.seq = j.seq
         WHERE j.step NOT IN (${TERMINAL_LIST})
         ORDER BY j.created_at, j.id`,
      )
      .map(toEntry);
  }

  /** Deletes finished operations whose last entry is older than `before`; returns how many rows went. */
  pruneFinished(before: string): number {
    return this.#db.transaction(
      () =>
        this.#db.run(
          `DELETE FROM journal WHERE operation_id IN (
             SELECT j.operation_id FROM journal j
             JOIN (SELECT operation_id, MAX(seq) AS seq FROM journal GROUP BY operation_id) last
               ON last.operation_id = j.operation_id AND last.seq = j.seq
             WHERE j.step IN (${TERMINAL_LIST}) AND j.created_at < :before)`,
          { before },
        ).changes,
    );
  }
}
