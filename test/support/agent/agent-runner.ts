import { DatabaseSync } from 'node:sqlite';
import { runAgent, type ProcessResult } from '../run-process.ts';
import { demoPaths } from './demo-host.ts';

export interface AgentRun extends ProcessResult {
  /** stdout parsed, when it is JSON. */
  readonly json: unknown;
}

/** Runs `upkeep-agent <args> --root <root> --json` as a process, its log in the host's /var/log. */
export async function agentJson(root: string, args: readonly string[]): Promise<AgentRun> {
  const result = await runAgent([...args, '--root', root, '--json', '--log-file', demoPaths(root).log]);
  let json: unknown;
  try {
    json = JSON.parse(result.stdout) as unknown;
  } catch {
    json = null;
  }
  return { ...result, json };
}

/** The host's history, newest first (through the agent, as an operator reads it). */
export async function historyOf(root: string): Promise<Record<string, unknown>[]> {
  const run = await agentJson(root, ['history', '--limit', '100']);
  if (run.code !== 0) throw new Error(`history failed: ${run.stderr}`);
  return run.json as Record<string, unknown>[];
}

/** The last journal step of the newest operation, read straight from the state file. */
export function lastJournalStep(root: string): string | null {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(demoPaths(root).stateDb, { readOnly: true });
  } catch {
    return null;
  }
  try {
    const row = db.prepare('SELECT step FROM journal ORDER BY id DESC LIMIT 1').get();
    return typeof row?.['step'] === 'string' ? row['step'] : null;
  } catch {
    return null;
  } finally {
    db.close();
  }
}

/** The structured log lines the agent wrote for this host. */
export function logEvents(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
