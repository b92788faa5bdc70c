import { createHash } from 'node:crypto';
import { UpkeepError } from '@upkeep/errors';
import type { Clock } from '../common/clock.port.ts';
import type { JournalRepository } from '../state/journal.repository.ts';
import type { JournalEntry, JournalStep, OperationKind } from '../state/journal.types.ts';
import type { StateDatabase } from '../state/state-database.repository.ts';

/**
 * A deterministic id for an operation: the same component, kind, target and
 * start instant give the same id (STYLE: ids derive from the operation, not
 * from a database sequence).
 */
export function operationIdFor(
  kind: OperationKind,
  component: string,
  toVersion: string | null,
  startedAt: Date,
): string {
  const hex = createHash('sha256')
    .update(`${kind}\0${component}\0${toVersion ?? ''}\0${startedAt.toISOString()}`)
    .digest('hex');
  // Shaped as a version-5-style UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** One operation's handle on the journal: every step is written (and synced) before it runs. */
export class JournalHandle {
  readonly operationId: string;
  readonly kind: OperationKind;
  readonly component: string;
  readonly fromVersion: string | null;
  readonly toVersion: string | null;
  readonly #repo: JournalRepository;
  readonly #clock: Clock;
  #seq: number;

  constructor(
    repo: JournalRepository,
    clock: Clock,
    head: Pick<JournalEntry, 'operationId' | 'kind' | 'component' | 'fromVersion' | 'toVersion' | 'seq'>,
  ) {
    this.#repo = repo;
    this.#clock = clock;
    this.operationId = head.operationId;
    this.kind = head.kind;
    this.component = head.component;
    this.fromVersion = head.fromVersion;
    this.toVersion = head.toVersion;
    this.#seq = head.seq;
  }

  /** Records that `step` is about to run, with what it takes to finish or undo it. */
  step(step: JournalStep, data: Readonly<Record<string, unknown>> = {}): void {
    this.#seq += 1;
    this.#repo.append({
      operationId: this.operationId,
      seq: this.#seq,
      kind: this.kind,
      component: this.component,
      fromVersion: this.fromVersion,
      toVersion: this.toVersion,
      step,
      data,
      createdAt: this.#clock().toISOString(),
    });
  }

  entries(): JournalEntry[] {
    return this.#repo.entries(this.operationId);
  }
}

/** Opens operations in the journal, one at a time per component. */
export class OperationJournal {
  readonly #db: StateDatabase;
  readonly #repo: JournalRepository;
  readonly #clock: Clock;

  constructor(deps: { db: StateDatabase; repo: JournalRepository; clock: Clock }) {
    this.#db = deps.db;
    this.#repo = deps.repo;
    this.#clock = deps.clock;
  }

  /**
   * Starts an operation with its `begin` step; refuses while another operation
   * on the component is unfinished (it must be recovered first).
   */
  begin(
    kind: OperationKind,
    component: string,
    fromVersion: string | null,
    toVersion: string | null,
    data: Readonly<Record<string, unknown>> = {},
  ): JournalHandle {
    const now = this.#clock();
    const operationId = operationIdFor(kind, component, toVersion, now);
    return this.#db.transaction(() => {
      const busy = this.#repo.unfinished().find((entry) => entry.component === component);
      if (busy !== undefined) {
        throw new UpkeepError(
          'OPERATION_IN_PROGRESS',
          `${component} has an unfinished ${busy.kind} (${busy.operationId}, stopped at step ${busy.step})`,
          {
            details: { component, operationId: busy.operationId, step: busy.step },
            hint: 'run `upkeep-agent recover` to finish or roll it back first',
          },
        );
      }
      const handle = new JournalHandle(this.#repo, this.#clock, {
        operationId,
        kind,
        component,
        fromVersion,
        toVersion,
        seq: 0,
      });
      handle.step('begin', data);
      return handle;
    });
  }

  /** Resumes an unfinished operation's handle (for recovery) from its last entry. */
  resume(last: JournalEntry): JournalHandle {
    return new JournalHandle(this.#repo, this.#clock, last);
  }

  unfinished(): JournalEntry[] {
    return this.#repo.unfinished();
  }
}
