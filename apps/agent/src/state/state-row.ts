import { UpkeepError } from '@upkeep/errors';
import type { SqlRow } from './state-database.repository.ts';

// Reads typed columns out of a row; a wrong type means the file was edited or
// damaged, which is STATE_CORRUPT rather than a crash deep in the caller.

function corrupt(column: string, expected: string, value: unknown): UpkeepError {
  return new UpkeepError(
    'STATE_CORRUPT',
    `state column ${column} holds ${typeof value}, expected ${expected}`,
    {
      details: { column },
      hint: 'the state file was changed by something other than upkeep-agent; restore it from a backup',
    },
  );
}

export function textColumn(row: SqlRow, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw corrupt(column, 'text', value);
  return value;
}

export function optionalTextColumn(row: SqlRow, column: string): string | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw corrupt(column, 'text', value);
  return value;
}

export function integerColumn(row: SqlRow, column: string): number {
  const value = row[column];
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'number') throw corrupt(column, 'integer', value);
  return value;
}

export function optionalIntegerColumn(row: SqlRow, column: string): number | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  return integerColumn(row, column);
}

export function jsonColumn(row: SqlRow, column: string): Record<string, unknown> {
  const text = optionalTextColumn(row, column);
  if (text === null) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UpkeepError('STATE_CORRUPT', `state column ${column} holds invalid JSON`, {
      details: { column },
      cause: error,
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw corrupt(column, 'a JSON object', parsed);
  return parsed as Record<string, unknown>;
}
