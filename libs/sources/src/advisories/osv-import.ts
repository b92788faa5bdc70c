import { join } from 'node:path';
import { UpkeepError } from '@upkeep/errors';
import type { FileSystemPort } from '../ports/file-system.port.ts';
import { asRecord } from '../sources/json-body.ts';
import {
  affectsPackage,
  dedupeOsvRecords,
  isOsvRecord,
  type AdvisorySpec,
  type OsvRecord,
} from './osv-record.ts';

const MAX_FILE_BYTES = 16 * 1024 * 1024;
const MAX_DEPTH = 4;

/** What an import found. */
export interface OsvImport {
  readonly records: readonly OsvRecord[];
  /** JSON files read. */
  readonly files: number;
}

function recordsOf(value: unknown, file: string): OsvRecord[] {
  const list: unknown = Array.isArray(value) ? value : (asRecord(value)?.['vulns'] ?? [value]);
  if (!Array.isArray(list)) throw badFile(file, '"vulns" is not a list');
  return list.map((record: unknown, index) => {
    if (!isOsvRecord(record)) throw badFile(file, `entry ${index + 1} is not an OSV record (no "id")`);
    return record;
  });
}

function badFile(file: string, reason: string): UpkeepError {
  return new UpkeepError('INPUT_INVALID', `OSV file ${file}: ${reason}`, {
    details: { file },
    hint: 'import OSV JSON: one record per file (as in the OSV data dumps), a list of records, or a /v1/query answer',
  });
}

async function collect(path: string, fs: FileSystemPort, depth: number, out: string[]): Promise<void> {
  for (const name of await fs.readdir(path)) {
    if (name.startsWith('.')) continue;
    const child = join(path, name);
    const info = await fs.stat(child);
    if (info?.isDirectory === true && depth < MAX_DEPTH) await collect(child, fs, depth + 1, out);
    else if (info?.isFile === true && name.toLowerCase().endsWith('.json')) out.push(child);
  }
}

/**
 * Reads OSV records from a JSON file or a directory of them (searched four levels deep), for
 * sites without network access. Each file holds one record (the OSV dumps' layout), a list
 * of records, or a `/v1/query` answer (`{"vulns": [...]}`). With `only`, records not about
 * that package are left out. One record per id is kept (the latest `modified`).
 * @throws UpkeepError INPUT_INVALID naming the first unreadable file.
 */
export async function importOsvFiles(
  path: string,
  fs: FileSystemPort,
  options: { readonly only?: AdvisorySpec } = {},
): Promise<OsvImport> {
  const info = await fs.stat(path);
  if (info === undefined) {
    throw new UpkeepError('INPUT_INVALID', `OSV import path ${path} does not exist`, { details: { path } });
  }
  const files: string[] = [];
  if (info.isDirectory) await collect(path, fs, 1, files);
  else files.push(path);
  const records: OsvRecord[] = [];
  for (const file of files) {
    const size = (await fs.stat(file))?.size ?? 0;
    if (size > MAX_FILE_BYTES) throw badFile(file, `larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(await fs.readFile(file)));
    } catch (error) {
      throw badFile(file, `not valid JSON (${error instanceof Error ? error.message : 'unreadable'})`);
    }
    records.push(...recordsOf(value, file));
  }
  const only = options.only;
  const kept = only === undefined ? records : records.filter((r) => affectsPackage(r, only));
  return { records: dedupeOsvRecords(kept), files: files.length };
}
