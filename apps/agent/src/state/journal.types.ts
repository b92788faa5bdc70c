/** What an operation does to a component. */
export type OperationKind = 'install' | 'upgrade' | 'rollback';

/**
 * Steps of an operation, in the order they run. Each is journaled before it runs.
 * `restore_*` steps put the rollback point back after a failure.
 */
export const FORWARD_STEPS = [
  'begin',
  'download',
  'verify',
  'extract',
  'rollback_point',
  'stop',
  'swap',
  'start',
  'health',
  'commit',
] as const;

export const RESTORE_STEPS = ['restore_stop', 'restore_swap', 'restore_start', 'restore_health'] as const;

/** Steps that end an operation: nothing is left to finish or undo. */
export const TERMINAL_STEPS = ['committed', 'restored', 'aborted', 'abandoned'] as const;

export type ForwardStep = (typeof FORWARD_STEPS)[number];
export type RestoreStep = (typeof RESTORE_STEPS)[number];
export type TerminalStep = (typeof TERMINAL_STEPS)[number];
export type JournalStep = ForwardStep | RestoreStep | TerminalStep;

export function isTerminalStep(step: JournalStep): step is TerminalStep {
  return (TERMINAL_STEPS as readonly string[]).includes(step);
}

export function isJournalStep(text: string): text is JournalStep {
  return (
    (FORWARD_STEPS as readonly string[]).includes(text) ||
    (RESTORE_STEPS as readonly string[]).includes(text) ||
    (TERMINAL_STEPS as readonly string[]).includes(text)
  );
}

export interface JournalEntry {
  readonly operationId: string;
  readonly seq: number;
  readonly kind: OperationKind;
  readonly component: string;
  readonly fromVersion: string | null;
  readonly toVersion: string | null;
  readonly step: JournalStep;
  /** What the step needs to be finished or undone (paths, checksums, rollback point id). */
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}
