import { describe, expect, it } from 'vitest';
import type { FleetCheckRow } from '../check/fleet-check.ts';
import { judgeDrift } from './drift-judge.ts';
import type { LastUpgrade, StoredAdvisory } from './drift.ts';

const row = (overrides: Partial<FleetCheckRow> = {}): FleetCheckRow => ({
  hostId: 'h1',
  hostname: 'web-1',
  environment: 'production',
  component: 'node_exporter',
  currentVersion: '1.7.0',
  targetVersion: '1.7.0',
  status: 'up-to-date',
  decision: null,
  message: null,
  ...overrides,
});

const advisory: StoredAdvisory = {
  component: 'node_exporter',
  externalId: 'GHSA-test-0001',
  severity: 'high',
  summary: 'remote crash',
  fixedIn: '1.8.0',
  record: {
    id: 'GHSA-test-0001',
    modified: '2026-01-01T00:00:00Z',
    affected: [{ ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.8.0' }] }] }],
  },
};

const rolledBack = (targetVersion: string): LastUpgrade => ({
  hostId: 'h1',
  component: 'node_exporter',
  jobId: 'j1',
  targetVersion,
  state: 'failed',
  rolledBack: true,
  message: 'health check failed; rolled back',
  finishedAt: new Date('2026-11-24T10:00:00Z'),
});

const host = { hostId: 'h1', groups: ['web'], lastSeenAt: new Date('2026-11-24T11:00:00Z') };

describe('judgeDrift', () => {
  it('finds no drift on the approved version without advisories or rollbacks', () => {
    const judged = judgeDrift(row(), host, undefined, []);
    expect(judged.drift).toEqual([]);
    expect(judged.groups).toEqual(['web']);
    expect(judged.lastSeenAt).toBe('2026-11-24T11:00:00.000Z');
  });

  it('flags a version other than the approved one, whether the move is approved or blocked', () => {
    expect(judgeDrift(row({ targetVersion: '1.8.0', status: 'upgrade' }), host, undefined, []).drift).toEqual(
      ['off_approved'],
    );
    expect(judgeDrift(row({ targetVersion: '1.8.0', status: 'blocked' }), host, undefined, []).drift).toEqual(
      ['off_approved'],
    );
    expect(judgeDrift(row({ targetVersion: null, status: 'unmanaged' }), host, undefined, []).drift).toEqual(
      [],
    );
  });

  it('flags an advisory that affects the running version, with its id', () => {
    const judged = judgeDrift(row(), host, undefined, [advisory]);
    expect(judged.drift).toEqual(['advisory']);
    expect(judged.advisories.map((item) => item.id)).toEqual(['GHSA-test-0001']);
    expect(judgeDrift(row({ currentVersion: '1.8.0' }), host, undefined, [advisory]).drift).toEqual([]);
  });

  it('flags a rolled-back upgrade only while the host is still off its target', () => {
    const stuck = judgeDrift(row(), host, rolledBack('1.8.0'), []);
    expect(stuck.drift).toEqual(['rolled_back']);
    expect(stuck.rollback).toMatchObject({ jobId: 'j1', targetVersion: '1.8.0' });
    expect(judgeDrift(row({ currentVersion: '1.8.0' }), host, rolledBack('v1.8.0'), []).drift).toEqual([]);
    const failedWithoutRollback = { ...rolledBack('1.8.0'), rolledBack: false };
    expect(judgeDrift(row(), host, failedWithoutRollback, []).drift).toEqual([]);
  });
});
