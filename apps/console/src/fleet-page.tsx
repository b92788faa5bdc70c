import { useState } from 'react';
import { allPages, get } from './api.ts';
import { ageOf, fleetGroups, NO_GROUP, type FleetFilter } from './fleet-view.ts';
import { DRIFT_LABELS, type DriftKind, type DriftReport, type Host } from './types.ts';
import { useLoad } from './use-load.ts';
import { Badge, ErrorBox } from './widgets.tsx';

const DRIFT_KINDS = Object.keys(DRIFT_LABELS) as DriftKind[];

/** Hosts by group with their components, last seen and drift from policy (GET /api/hosts, /api/drift). */
export function FleetPage() {
  const [filter, setFilter] = useState<FleetFilter>({ search: '', group: '', drift: 'all' });
  const fleet = useLoad(async () => {
    const [hosts, drift] = await Promise.all([
      allPages<Host>('/api/hosts'),
      get<DriftReport>('/api/drift', { all: 'true' }),
    ]);
    return { hosts: hosts.filter((host) => host.status === 'active'), drift };
  }, 'fleet');
  const hosts = fleet.data?.hosts ?? [];
  const report = fleet.data?.drift;
  const allGroups = [
    ...new Set(hosts.flatMap((host) => (host.groups.length === 0 ? [NO_GROUP] : host.groups))),
  ].sort();
  const groups = fleetGroups(hosts, report?.rows ?? [], filter);
  const now = new Date();
  return (
    <section>
      <header className="page-head">
        <h2>Fleet</h2>
        <button type="button" onClick={fleet.reload} disabled={fleet.loading}>
          Refresh
        </button>
      </header>
      {report !== undefined && (
        <p className="summary">
          {hosts.length} hosts ·{' '}
          {DRIFT_KINDS.map((kind) => (
            <span key={kind} className="count">
              <Badge tone={report.counts[kind] > 0 ? 'bad' : 'good'}>{report.counts[kind]}</Badge>{' '}
              {DRIFT_LABELS[kind]}
            </span>
          ))}
        </p>
      )}
      <div className="filters">
        <input
          type="search"
          aria-label="Search hosts"
          placeholder="Search host, component, version, label"
          value={filter.search}
          onChange={(event) => {
            setFilter({ ...filter, search: event.target.value });
          }}
        />
        <select
          aria-label="Group"
          value={filter.group}
          onChange={(event) => {
            setFilter({ ...filter, group: event.target.value });
          }}
        >
          <option value="">All groups</option>
          {allGroups.map((group) => (
            <option key={group} value={group}>
              {group}
            </option>
          ))}
        </select>
        <select
          aria-label="Drift"
          value={filter.drift}
          onChange={(event) => {
            setFilter({ ...filter, drift: event.target.value as FleetFilter['drift'] });
          }}
        >
          <option value="all">Every host</option>
          <option value="any">Drifting hosts</option>
          {DRIFT_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {DRIFT_LABELS[kind]}
            </option>
          ))}
        </select>
      </div>
      <ErrorBox error={fleet.error} />
      {fleet.loading && fleet.data === undefined && <p className="muted">Loading…</p>}
      {fleet.data !== undefined && groups.length === 0 && <p className="muted">No host matches.</p>}
      {groups.map((group) => (
        <div key={group.group} className="group" data-group={group.group}>
          <h3>
            {group.group} <span className="muted">({group.hosts.length})</span>
          </h3>
          <table>
            <thead>
              <tr>
                <th>Host</th>
                <th>Environment</th>
                <th>Components</th>
                <th>Drift</th>
                <th>Last seen</th>
              </tr>
            </thead>
            <tbody>
              {group.hosts.map(({ host, components, drift }) => (
                <tr key={host.id} data-host={host.hostname}>
                  <td>
                    <strong>{host.hostname}</strong>
                    <div className="muted small">
                      {host.os}/{host.arch} · agent {host.agentVersion}
                    </div>
                  </td>
                  <td>{host.labels['env'] ?? '—'}</td>
                  <td>
                    {components.length === 0 && <span className="muted">none reported</span>}
                    {components.map((row) => (
                      <div key={row.component} className="component-line">
                        {row.component} <code>{row.currentVersion}</code>
                        {row.approvedVersion !== null && row.approvedVersion !== row.currentVersion && (
                          <span className="muted"> → {row.approvedVersion}</span>
                        )}
                        {row.drift.map((kind) => (
                          <Badge key={kind} tone="bad">
                            {DRIFT_LABELS[kind]}
                          </Badge>
                        ))}
                        {row.advisories.map((advisory) => (
                          <span key={advisory.id} className="muted small" title={advisory.summary}>
                            {' '}
                            {advisory.id}
                          </span>
                        ))}
                      </div>
                    ))}
                  </td>
                  <td>
                    {drift.length === 0 ? <Badge tone="good">in policy</Badge> : `${drift.length} kind(s)`}
                  </td>
                  <td title={host.lastSeenAt ?? ''}>{ageOf(host.lastSeenAt, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}
