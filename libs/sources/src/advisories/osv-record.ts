import { asRecord } from '../sources/json-body.ts';

/** An OSV record as published (https://ossf.github.io/osv-schema/), kept raw for the policy's range evaluator. */
export type OsvRecord = Readonly<Record<string, unknown>> & { readonly id: string };

/** Which package a component's advisories are about (`advisories:` in versions.yaml). */
export interface AdvisorySpec {
  /** OSV ecosystem, such as `Go`. */
  readonly ecosystem: string;
  /** Package name in that ecosystem, such as `github.com/prometheus/node_exporter`. */
  readonly package: string;
}

export function isOsvRecord(value: unknown): value is OsvRecord {
  const r = asRecord(value);
  return r !== undefined && typeof r['id'] === 'string' && r['id'] !== '';
}

/** Whether a record lists the package among its `affected` entries. */
export function affectsPackage(record: OsvRecord, spec: AdvisorySpec): boolean {
  const affected = record['affected'];
  if (!Array.isArray(affected)) return false;
  return affected.some((entry: unknown) => {
    const pkg = asRecord(asRecord(entry)?.['package']);
    return pkg?.['ecosystem'] === spec.ecosystem && pkg['name'] === spec.package;
  });
}

/** Keeps one record per id: the one modified last. */
export function dedupeOsvRecords(records: readonly OsvRecord[]): OsvRecord[] {
  const byId = new Map<string, OsvRecord>();
  for (const record of records) {
    const existing = byId.get(record.id);
    const modified = (r: OsvRecord): number => {
      const text = r['modified'];
      return typeof text === 'string' ? Date.parse(text) || 0 : 0;
    };
    if (existing === undefined || modified(record) > modified(existing)) byId.set(record.id, record);
  }
  return [...byId.values()];
}
