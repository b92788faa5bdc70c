import { get, type Page } from './api.ts';
import type { Me, Rollout } from './types.ts';
import { useLoad } from './use-load.ts';
import { ApprovalForm } from './rollout-actions.tsx';
import { ActorName, Badge, ErrorBox, formatTime, Link, RiskBadge } from './widgets.tsx';

/** Rollouts waiting for approval, each with the plan frozen at its creation and the decision form. */
export function ApprovalsPage({ me }: { me: Me }) {
  const pending = useLoad(
    () => get<Page<Rollout>>('/api/rollouts', { state: 'awaiting_approval', limit: '100' }),
    'approvals',
  );
  const items = pending.data?.items ?? [];
  return (
    <section>
      <header className="page-head">
        <h2>Approvals</h2>
        <button type="button" onClick={pending.reload} disabled={pending.loading}>
          Refresh
        </button>
      </header>
      <ErrorBox error={pending.error} />
      {pending.data !== undefined && items.length === 0 && (
        <p className="muted">Nothing waits for approval.</p>
      )}
      {items.map((rollout) => (
        <article key={rollout.id} className="card" data-rollout={rollout.id}>
          <h3>
            <Link to={`/rollouts/${rollout.id}`}>
              {rollout.component} → {rollout.targetVersion}
            </Link>{' '}
            <span className="muted">in {rollout.environment}</span>
          </h3>
          <p className="muted small" data-testid="created-by">
            created by <ActorName id={rollout.createdBy} name={rollout.createdByName} /> at{' '}
            {formatTime(rollout.createdAt)} · approvals{' '}
            {rollout.approvals.filter((approval) => approval.decision === 'approve').length}/
            {rollout.requiredApprovals}
            {rollout.reason !== null && rollout.reason !== '' && <> · {rollout.reason}</>}
          </p>
          <PlanSummary rollout={rollout} />
          <ApprovalForm rollout={rollout} me={me} onDone={pending.reload} />
        </article>
      ))}
    </section>
  );
}

/**
 * The plan as it was frozen when the rollout was created, which is what runs: its risk,
 * breaking changes and advisories, and each host's decision, risk and warnings. Never planned
 * again here: a plan made now could differ (new releases, a changed policy).
 */
function PlanSummary({ rollout }: { rollout: Rollout }) {
  const hosts = rollout.waves.flatMap((wave) => wave.hosts);
  const minutes = rollout.expectedDurationSeconds;
  return (
    <div className="plan">
      <p>
        Risk{' '}
        <span data-testid="risk">
          <RiskBadge risk={rollout.risk} missing="not recorded" />
        </span>
        <span className="muted">
          {' '}
          · {hosts.length} hosts in {rollout.waves.length} waves
          {minutes !== null && <> · expected about {Math.max(1, Math.round(minutes / 60))} min</>} ·{' '}
          {rollout.requiredApprovals} approval(s) required
          {rollout.forbidSelfApproval ? ', not by its creator' : ''}
        </span>
      </p>
      {rollout.risk === null && (
        <p className="muted small">
          Created before plans were frozen on rollouts: its risk, breaking changes and advisories were not
          recorded.
        </p>
      )}
      {(rollout.breakingChanges ?? []).length > 0 && (
        <ul className="explanation">
          {(rollout.breakingChanges ?? []).map((change) => (
            <li key={`${change.version}-${change.description}`}>
              <Badge tone="bad">breaking</Badge> {change.version}: {change.description}
            </li>
          ))}
        </ul>
      )}
      {(rollout.advisories ?? []).length > 0 && (
        <ul className="explanation">
          {(rollout.advisories ?? []).map((advisory) => (
            <li key={advisory.id}>
              <Badge tone="good">fixes</Badge> {advisory.id} ({advisory.severity}): {advisory.summary}
            </li>
          ))}
        </ul>
      )}
      {rollout.settings.waitsFor.length > 0 && (
        <p className="muted small">
          waits for{' '}
          {rollout.settings.waitsFor.map((other, index) => (
            <span key={other}>
              {index > 0 && ', '}
              <Link to={`/rollouts/${other}`}>{other}</Link>
            </span>
          ))}
        </p>
      )}
      <table className="plan-hosts">
        <thead>
          <tr>
            <th>Wave</th>
            <th>Host</th>
            <th>Now</th>
            <th>Decision</th>
            <th>Risk</th>
            <th>Why</th>
          </tr>
        </thead>
        <tbody>
          {rollout.waves.flatMap((wave) =>
            wave.hosts.map((host) => (
              <tr key={host.hostId} data-host={host.hostname}>
                <td>{wave.name}</td>
                <td>{host.hostname}</td>
                <td>{host.fromVersion ?? '—'}</td>
                <td>{host.decision}</td>
                <td>
                  <RiskBadge risk={host.riskLevel} />
                </td>
                <td className="small">
                  {[
                    ...host.warnings,
                    ...(host.message === null || host.message === '' ? [] : [host.message]),
                  ].join('; ')}
                </td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </div>
  );
}
