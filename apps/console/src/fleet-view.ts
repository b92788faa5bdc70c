import type { DriftKind, DriftRow, Host } from './types.ts';

export const NO_GROUP = '(no group)';

export interface FleetFilter {
  /** Matches hostname, component, version or label value, case-insensitive. */
  readonly search: string;
  readonly group: string;
  readonly drift: DriftKind | 'any' | 'all';
}

export interface FleetHost {
  readonly host: Host;
  readonly components: readonly DriftRow[];
  readonly drift: readonly DriftKind[];
}

export interface FleetGroup {
  readonly group: string;
  readonly hosts: readonly FleetHost[];
}

const matchesSearch = (host: Host, components: readonly DriftRow[], search: string): boolean => {
  const needle = search.trim().toLowerCase();
  if (needle === '') return true;
  const haystack = [
    host.hostname,
    ...Object.entries(host.labels).map(([key, value]) => `${key}=${value}`),
    ...components.flatMap((row) => [
      row.component,
      row.currentVersion,
      `${row.component}@${row.currentVersion}`,
    ]),
  ];
  return haystack.some((text) => text.toLowerCase().includes(needle));
};

/**
 * Hosts by group (a host in two groups appears in both; one in none under NO_GROUP),
 * each with its components' drift, after the filter. Groups and hosts are sorted by name.
 */
export function fleetGroups(
  hosts: readonly Host[],
  rows: readonly DriftRow[],
  filter: FleetFilter,
): FleetGroup[] {
  const byHost = new Map<string, DriftRow[]>();
  for (const row of rows) {
    const list = byHost.get(row.hostId) ?? [];
    list.push(row);
    byHost.set(row.hostId, list);
  }
  const groups = new Map<string, FleetHost[]>();
  for (const host of [...hosts].sort((a, b) => a.hostname.localeCompare(b.hostname))) {
    const components = [...(byHost.get(host.id) ?? [])].sort((a, b) =>
      a.component.localeCompare(b.component),
    );
    const drift = [...new Set(components.flatMap((row) => row.drift))];
    if (filter.drift === 'any' && drift.length === 0) continue;
    if (filter.drift !== 'any' && filter.drift !== 'all' && !drift.includes(filter.drift)) continue;
    if (!matchesSearch(host, components, filter.search)) continue;
    for (const group of host.groups.length === 0 ? [NO_GROUP] : host.groups) {
      if (filter.group !== '' && group !== filter.group) continue;
      const list = groups.get(group) ?? [];
      list.push({ host, components, drift });
      groups.set(group, list);
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === NO_GROUP ? 1 : b === NO_GROUP ? -1 : a.localeCompare(b)))
    .map(([group, list]) => ({ group, hosts: list }));
}

/** "3 min ago" style age of a timestamp, or "never". */
export function ageOf(iso: string | null, now: Date): string {
  if (iso === null) return 'never';
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}
