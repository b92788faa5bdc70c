import { get } from './api.ts';
import type { Component, ComponentOverview } from './types.ts';
import { useLoad } from './use-load.ts';
import { Badge, ErrorBox, formatTime, Link } from './widgets.tsx';

/** Components, then one: upstream releases, per-environment targets, advisories, breaking changes. */
export function ComponentsPage({ name }: { name: string | undefined }) {
  const list = useLoad(() => get<Component[]>('/api/components'), 'components');
  const selected = name ?? list.data?.[0]?.name;
  return (
    <section className="split">
      <nav className="side">
        <h2>Components</h2>
        <ErrorBox error={list.error} />
        <ul>
          {(list.data ?? []).map((component) => (
            <li key={component.name} className={component.name === selected ? 'active' : ''}>
              <Link to={`/components/${encodeURIComponent(component.name)}`}>{component.name}</Link>
              <div className="muted small">
                latest {component.latest?.version ?? '—'} ·{' '}
                {Object.values(component.installed).reduce((sum, count) => sum + count, 0)} installs
              </div>
            </li>
          ))}
        </ul>
      </nav>
      <div className="main">
        {selected !== undefined && (
          <ComponentDetail
            name={selected}
            installed={list.data?.find((component) => component.name === selected)?.installed ?? {}}
          />
        )}
      </div>
    </section>
  );
}

function ComponentDetail({ name, installed }: { name: string; installed: Readonly<Record<string, number>> }) {
  const overview = useLoad(
    () => get<ComponentOverview>(`/api/components/${encodeURIComponent(name)}/overview`, { limit: '20' }),
    name,
  );
  const data = overview.data;
  return (
    <div>
      <h2>{name}</h2>
      <ErrorBox error={overview.error} />
      {data !== undefined && (
        <>
          {!data.managed && (
            <p className="muted">Not in the control plane's versions.yaml: no target resolves.</p>
          )}
          <h3>What each environment resolves to</h3>
          <table>
            <thead>
              <tr>
                <th>Environment</th>
                <th>Target</th>
                <th>Installed in the fleet</th>
              </tr>
            </thead>
            <tbody>
              {data.environments.map((target) => (
                <tr key={target.environment ?? ''} data-environment={target.environment ?? 'default'}>
                  <td>{target.environment ?? '(base policy)'}</td>
                  <td>{target.version ?? <span className="muted">{target.message}</span>}</td>
                  <td />
                </tr>
              ))}
              <tr>
                <td colSpan={2} className="muted">
                  hosts per version
                </td>
                <td>
                  {Object.entries(installed).map(([version, count]) => (
                    <span key={version} className="pill">
                      {version} × {count}
                    </span>
                  ))}
                </td>
              </tr>
            </tbody>
          </table>
          <h3>Advisories</h3>
          {data.advisories.length === 0 ? (
            <p className="muted">None known.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Id</th>
                  <th>Severity</th>
                  <th>Summary</th>
                  <th>Fixed in</th>
                </tr>
              </thead>
              <tbody>
                {data.advisories.map((advisory) => (
                  <tr key={advisory.id}>
                    <td>{advisory.id}</td>
                    <td>
                      <Badge tone={advisory.severity === 'low' ? 'wait' : 'bad'}>{advisory.severity}</Badge>
                    </td>
                    <td>{advisory.summary}</td>
                    <td>{advisory.fixedIn ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Breaking changes</h3>
          {data.breakingChanges.length === 0 ? (
            <p className="muted">None recorded.</p>
          ) : (
            <ul>
              {data.breakingChanges.map((change) => (
                <li key={`${change.version}-${change.description}`}>
                  <strong>{change.version}</strong>: {change.description}
                  {change.migrationNotes !== null && (
                    <div className="muted small">{change.migrationNotes}</div>
                  )}
                </li>
              ))}
            </ul>
          )}
          <h3>Releases upstream</h3>
          <table>
            <thead>
              <tr>
                <th>Version</th>
                <th>Tag</th>
                <th>Published</th>
              </tr>
            </thead>
            <tbody>
              {data.releases.map((release) => (
                <tr key={release.tag}>
                  <td>
                    {release.version} {release.prerelease && <Badge tone="wait">pre-release</Badge>}
                  </td>
                  <td>
                    {release.notesUrl === null ? (
                      release.tag
                    ) : (
                      <a href={release.notesUrl} target="_blank" rel="noreferrer">
                        {release.tag}
                      </a>
                    )}
                  </td>
                  <td>{formatTime(release.publishedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
