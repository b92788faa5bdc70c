import { UpkeepError } from '@upkeep/errors';

/**
 * The parts of an OSV record (https://ossf.github.io/osv-schema/) that deciding
 * an upgrade needs. Other fields of a record are accepted and ignored.
 */
export interface OsvRecord {
  readonly id: string;
  readonly summary?: string | undefined;
  readonly details?: string | undefined;
  readonly aliases?: readonly string[] | undefined;
  readonly modified?: string | undefined;
  readonly published?: string | undefined;
  /** Set when the record was withdrawn: it then affects nothing. */
  readonly withdrawn?: string | undefined;
  readonly severity?: readonly OsvSeverity[] | undefined;
  readonly affected?: readonly OsvAffected[] | undefined;
  readonly references?: readonly OsvReference[] | undefined;
  readonly database_specific?: Readonly<Record<string, unknown>> | undefined;
}

export interface OsvSeverity {
  readonly type: string;
  readonly score: string;
}

export interface OsvReference {
  readonly type: string;
  readonly url: string;
}

export interface OsvPackage {
  readonly ecosystem: string;
  readonly name: string;
  readonly purl?: string | undefined;
}

export interface OsvAffected {
  readonly package?: OsvPackage | undefined;
  readonly severity?: readonly OsvSeverity[] | undefined;
  readonly ranges?: readonly OsvRange[] | undefined;
  readonly versions?: readonly string[] | undefined;
  readonly ecosystem_specific?: Readonly<Record<string, unknown>> | undefined;
  readonly database_specific?: Readonly<Record<string, unknown>> | undefined;
}

/** `SEMVER`, `ECOSYSTEM` or `GIT` in the schema; other text is kept and reported as not evaluable. */
export interface OsvRange {
  readonly type: string;
  readonly repo?: string | undefined;
  readonly events: readonly OsvEvent[];
}

/** One status change on a range's timeline; exactly one key per event. */
export type OsvEvent =
  | { readonly introduced: string }
  | { readonly fixed: string }
  | { readonly last_affected: string }
  | { readonly limit: string };

export const OSV_EVENT_KINDS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;
export type OsvEventKind = (typeof OSV_EVENT_KINDS)[number];

type Json = Readonly<Record<string, unknown>>;

class RecordReader {
  readonly where: string;
  id: string | undefined;

  constructor(where: string) {
    this.where = where;
  }

  fail(path: string, problem: string): never {
    const name = this.id === undefined ? this.where : `${this.where} ${this.id}`;
    throw new UpkeepError('INPUT_INVALID', `${name}: ${path} ${problem}`, {
      details: { path, ...(this.id === undefined ? {} : { id: this.id }) },
      hint: 'advisories must be OSV records as described at https://ossf.github.io/osv-schema/',
    });
  }

  object(value: unknown, path: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path, `must be an object, got ${kindOf(value)}`);
    }
    return value as Json;
  }

  optionalObject(value: unknown, path: string): Json | undefined {
    return value === undefined ? undefined : this.object(value, path);
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.fail(path, `must be a string, got ${kindOf(value)}`);
    return value;
  }

  optionalString(value: unknown, path: string): string | undefined {
    return value === undefined ? undefined : this.string(value, path);
  }

  array(value: unknown, path: string): readonly unknown[] {
    if (!Array.isArray(value)) this.fail(path, `must be an array, got ${kindOf(value)}`);
    return value as readonly unknown[];
  }

  optionalStrings(value: unknown, path: string): string[] | undefined {
    if (value === undefined) return undefined;
    return this.array(value, path).map((item, i) => this.string(item, `${path}[${i}]`));
  }

  severities(value: unknown, path: string): OsvSeverity[] | undefined {
    if (value === undefined) return undefined;
    return this.array(value, path).map((item, i) => {
      const entry = this.object(item, `${path}[${i}]`);
      return {
        type: this.string(entry.type, `${path}[${i}].type`),
        score: this.string(entry.score, `${path}[${i}].score`),
      };
    });
  }

  event(value: unknown, path: string): OsvEvent {
    const entry = this.object(value, path);
    const keys = Object.keys(entry);
    const known = keys.filter((k): k is OsvEventKind => (OSV_EVENT_KINDS as readonly string[]).includes(k));
    if (known.length !== 1 || keys.length !== 1) {
      this.fail(
        path,
        `must have exactly one of ${OSV_EVENT_KINDS.join(', ')}, got ${keys.length === 0 ? 'none' : keys.join(', ')}`,
      );
    }
    const kind = known[0] as OsvEventKind;
    const version = this.string(entry[kind], `${path}.${kind}`);
    if (version.trim() === '') this.fail(`${path}.${kind}`, 'must not be empty');
    switch (kind) {
      case 'introduced':
        return { introduced: version };
      case 'fixed':
        return { fixed: version };
      case 'last_affected':
        return { last_affected: version };
      case 'limit':
        return { limit: version };
    }
  }

  range(value: unknown, path: string): OsvRange {
    const entry = this.object(value, path);
    const type = this.string(entry.type, `${path}.type`);
    if (type.trim() === '') this.fail(`${path}.type`, 'must not be empty');
    const events = this.array(entry.events, `${path}.events`).map((e, i) =>
      this.event(e, `${path}.events[${i}]`),
    );
    if (events.length === 0) this.fail(`${path}.events`, 'must list at least one event');
    return { type, repo: this.optionalString(entry.repo, `${path}.repo`), events };
  }

  affected(value: unknown, path: string): OsvAffected {
    const entry = this.object(value, path);
    const pkg = this.optionalObject(entry.package, `${path}.package`);
    return {
      package:
        pkg === undefined
          ? undefined
          : {
              ecosystem: this.string(pkg.ecosystem, `${path}.package.ecosystem`),
              name: this.string(pkg.name, `${path}.package.name`),
              purl: this.optionalString(pkg.purl, `${path}.package.purl`),
            },
      severity: this.severities(entry.severity, `${path}.severity`),
      ranges:
        entry.ranges === undefined
          ? undefined
          : this.array(entry.ranges, `${path}.ranges`).map((r, i) => this.range(r, `${path}.ranges[${i}]`)),
      versions: this.optionalStrings(entry.versions, `${path}.versions`),
      ecosystem_specific: this.optionalObject(entry.ecosystem_specific, `${path}.ecosystem_specific`),
      database_specific: this.optionalObject(entry.database_specific, `${path}.database_specific`),
    };
  }
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Checks that a value is an OSV record and returns the fields Upkeep reads.
 * Unknown fields are dropped; a wrong shape throws. Problems that leave the
 * record readable but not evaluable (a range without `introduced`, a version
 * string that does not parse) are not errors here: the evaluator reports them.
 * @param where names the record in messages (default `"advisory"`).
 * @throws UpkeepError INPUT_INVALID naming the record and the path of the bad field.
 */
export function readOsvRecord(value: unknown, where = 'advisory'): OsvRecord {
  const reader = new RecordReader(where);
  const record = reader.object(value, 'record');
  const id = reader.string(record.id, 'id');
  if (id.trim() === '') reader.fail('id', 'must not be empty');
  reader.id = id;
  return {
    id,
    summary: reader.optionalString(record.summary, 'summary'),
    details: reader.optionalString(record.details, 'details'),
    aliases: reader.optionalStrings(record.aliases, 'aliases'),
    modified: reader.optionalString(record.modified, 'modified'),
    published: reader.optionalString(record.published, 'published'),
    withdrawn: reader.optionalString(record.withdrawn, 'withdrawn'),
    severity: reader.severities(record.severity, 'severity'),
    affected:
      record.affected === undefined
        ? undefined
        : reader.array(record.affected, 'affected').map((a, i) => reader.affected(a, `affected[${i}]`)),
    references:
      record.references === undefined
        ? undefined
        : reader.array(record.references, 'references').map((r, i) => {
            const entry = reader.object(r, `references[${i}]`);
            return {
              type: reader.string(entry.type, `references[${i}].type`),
              url: reader.string(entry.url, `references[${i}].url`),
            };
          }),
    database_specific: reader.optionalObject(record.database_specific, 'database_specific'),
  };
}

/**
 * A short severity label for people: the database's own word (GHSA's
 * `database_specific.severity`, such as `HIGH`) when there is one, else the
 * first CVSS vector, else undefined.
 */
export function osvSeverityLabel(record: OsvRecord): string | undefined {
  const fromDatabase = record.database_specific?.severity;
  if (typeof fromDatabase === 'string' && fromDatabase !== '') return fromDatabase;
  for (const affected of record.affected ?? []) {
    for (const bag of [affected.ecosystem_specific, affected.database_specific]) {
      const label = bag?.severity;
      if (typeof label === 'string' && label !== '') return label;
    }
  }
  const vector =
    record.severity?.[0] ?? record.affected?.find((a) => a.severity !== undefined)?.severity?.[0];
  return vector === undefined ? undefined : `${vector.type} ${vector.score}`;
}
