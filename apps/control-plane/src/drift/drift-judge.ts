import { evaluateAdvisory, readOsvRecord, type OsvRecord } from '@upkeep/policy';
import type { FleetCheckRow } from '../check/fleet-check.ts';
import type { DriftAdvisory, DriftHost, DriftKind, DriftRow, LastUpgrade, StoredAdvisory } from './drift.ts';

/** Stored records read as OSV once per report, not once per host (null: it does not read as OSV). */
const parsed = new WeakMap<StoredAdvisory, OsvRecord | null>();

function osvOf(advisory: StoredAdvisory): OsvRecord | null {
  let record = parsed.get(advisory);
  if (record === undefined) {
    try {
      record = readOsvRecord(advisory.record);
    } catch {
      record = null;
    }
    parsed.set(advisory, record);
  }
  return record;
}

/** Advisories that affect `version`; records that no longer read as OSV are left out. */
export function advisoriesAffecting(version: string, stored: readonly StoredAdvisory[]): DriftAdvisory[] {
  const found: DriftAdvisory[] = [];
  for (const advisory of stored) {
    const record = osvOf(advisory);
    if (record === null) continue;
    try {
      if (!evaluateAdvisory(record, version).affected) continue;
    } catch {
      // an unparsable version or record says nothing either way
      continue;
    }
    found.push({
      id: advisory.externalId,
      severity: advisory.severity,
      summary: advisory.summary,
      fixedIn: advisory.fixedIn,
    });
  }
  return found;
}

/** Judges one fleet-check row: which of the drift kinds apply and the evidence for each. */
export function judgeDrift(
  row: FleetCheckRow,
  host: DriftHost | undefined,
  lastUpgrade: LastUpgrade | undefined,
  advisories: readonly StoredAdvisory[],
): DriftRow {
  const drift: DriftKind[] = [];
  const approvedVersion = row.targetVersion;
  if (approvedVersion !== null && (row.status === 'upgrade' || row.status === 'blocked')) {
    drift.push('off_approved');
  }
  const affecting = advisoriesAffecting(row.currentVersion, advisories);
  if (affecting.length > 0) drift.push('advisory');
  const stuck =
    lastUpgrade !== undefined &&
    lastUpgrade.rolledBack &&
    lastUpgrade.targetVersion !== null &&
    lastUpgrade.targetVersion.replace(/^v/, '') !== row.currentVersion.replace(/^v/, '');
  if (stuck) drift.push('rolled_back');
  return {
    hostId: row.hostId,
    hostname: row.hostname,
    groups: host?.groups ?? [],
    environment: row.environment,
    lastSeenAt: host?.lastSeenAt?.toISOString() ?? null,
    component: row.component,
    currentVersion: row.currentVersion,
    approvedVersion,
    status: row.status,
    drift,
    advisories: affecting,
    rollback: stuck
      ? {
          jobId: lastUpgrade.jobId,
          targetVersion: lastUpgrade.targetVersion,
          finishedAt: lastUpgrade.finishedAt?.toISOString() ?? null,
          message: lastUpgrade.message,
        }
      : null,
    message: row.message,
  };
}
