import { describe, expect, it } from 'vitest';
import { ageOf, fleetGroups, NO_GROUP } from './fleet-view.ts';
import type { DriftRow, Host } from './types.ts';

const host = (hostname: string, groups: string[], labels: Record<string, string> = {}): Host => ({
  id: `id-${hostname}`,
  hostname,
  labels,
  groups,
  os: 'linux',
  arch: 'amd64',
  agentVersion: '0.1.0',
  status: 'active',
  lastSeenAt: null,
});

const row = (hostname: string, version: string, drift: DriftRow['drift']): DriftRow => ({
  hostId: `id-${hostname}`,
  hostname,
  groups: [],
  environment: null,
  lastSeenAt: null,
  component: 'node_exporter',
  currentVersion: version,
  approvedVersion: '1.8.0',
  status: drift.length === 0 ? 'up-to-date' : 'upgrade',
  drift,
  advisories: [],
  rollback: null,
  message: null,
});

const hosts = [host('web-2', ['web']), host('web-1', ['web', 'edge'], { env: 'prod' }), host('lone', [])];
const rows = [
  row('web-1', '1.7.0', ['off_approved']),
  row('web-2', '1.8.0', []),
  row('lone', '1.6.0', ['advisory']),
];
const names = (groups: ReturnType<typeof fleetGroups>) =>
  groups.map((group) => [group.group, group.hosts.map((entry) => entry.host.hostname)]);

describe('fleetGroups', () => {
  it('lists hosts by group, a host in every group it is in, ungrouped hosts last', () => {
    expect(names(fleetGroups(hosts, rows, { search: '', group: '', drift: 'all' }))).toEqual([
      ['edge', ['web-1']],
      ['web', ['web-1', 'web-2']],
      [NO_GROUP, ['lone']],
    ]);
  });

  it('filters by drift, group and a search over names, labels, components and versions', () => {
    expect(names(fleetGroups(hosts, rows, { search: '', group: '', drift: 'any' }))).toEqual([
      ['edge', ['web-1']],
      ['web', ['web-1']],
      [NO_GROUP, ['lone']],
    ]);
    expect(names(fleetGroups(hosts, rows, { search: '', group: 'web', drift: 'advisory' }))).toEqual([]);
    expect(names(fleetGroups(hosts, rows, { search: 'ENV=prod', group: '', drift: 'all' }))).toEqual([
      ['edge', ['web-1']],
      ['web', ['web-1']],
    ]);
    expect(names(fleetGroups(hosts, rows, { search: 'node_exporter@1.6', group: '', drift: 'all' }))).toEqual(
      [[NO_GROUP, ['lone']]],
    );
  });

  it('collects each host’s drift kinds from its components', () => {
    const [edge] = fleetGroups(hosts, rows, { search: '', group: 'edge', drift: 'all' });
    expect(edge?.hosts[0]?.drift).toEqual(['off_approved']);
  });
});

describe('ageOf', () => {
  it('says how long ago, in the largest whole unit', () => {
    const now = new Date('2026-11-24T12:00:00Z');
    expect(ageOf(null, now)).toBe('never');
    expect(ageOf('2026-11-24T11:59:30Z', now)).toBe('30s ago');
    expect(ageOf('2026-11-24T11:45:00Z', now)).toBe('15 min ago');
    expect(ageOf('2026-11-24T09:00:00Z', now)).toBe('3 h ago');
    expect(ageOf('2026-11-20T12:00:00Z', now)).toBe('4 d ago');
  });
});
