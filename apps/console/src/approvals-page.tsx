import { get, post, type Page } from './api.ts';
import type { Me, Rollout, RolloutPlan } from './types.ts';
import { useLoad } from './use-load.ts';
import { ApprovalForm } from './rollout-actions.tsx';
import { Badge, ErrorBox, formatTime, Link } from './widgets.tsx';

/** Rollouts waiting for approval, each with its plan (risk, explanation, waves) and the decision form. */
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
          <p className="muted small">
            created by {rollout.createdBy} at {formatTime(rollout.createdAt)} · approvals{' '}
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

const RISK_ORDER = ['low', 'medium', 'high', 'critical'];
const riskTone = (risk: string | null): string =>
  risk === 'low' ? 'good' : risk === 'medium' ? 'wait' : risk === null ? 'idle' : 'bad';

/**
 * The plan as POST /api/rollouts/plan computes it now for the rollout's component,
 * environment and target, narrowed to the rollout's hosts: each host's decision, risk
 * and warnings are the explanation an approver reads.
 */
function PlanSummary({ rollout }: { rollout: Rollout }) {
  const plan = useLoad(
    () =>
      post<RolloutPlan>('/api/rollouts/plan', {
        component: rollout.component,
        environment: rollout.environment,
        target: { version: rollout.targetVersion },
        selector: {},
      }),
    rollout.id,
  );
  const data = plan.data;
  const mine = new Set(rollout.waves.flatMap((wave) => wave.hosts.map((host) => host.hostId)));
  const hosts = (data?.waves ?? []).flatMap((wave) => wave.hosts).filter((host) => mine.has(host.hostId));
  const risk =
    hosts
      .map((host) => host.riskLevel)
      .filter((level): level is string => level !== null)
      .sort((a, b) => RISK_ORDER.indexOf(b) - RISK_ORDER.indexOf(a))[0] ??
    data?.risk ??
    null;
  return (
    <div className="plan">
      <ErrorBox error={plan.error} />
      {data !== undefined && (
        <>
          <p>
            Risk <Badge tone={riskTone(risk)}>{risk ?? 'unknown'}</Badge>
            <span className="muted">
              {' '}
              · {hosts.length} hosts in {rollout.waves.length} waves · expected about{' '}
              {Math.max(1, Math.round(data.expectedDurationSeconds / 60))} min · {rollout.requiredApprovals}{' '}
              approval(s) required{data.forbidSelfApproval ? ', not by its creator' : ''}
            </span>
          </p>
          {data.breakingChanges.length > 0 && (
            <ul className="explanation">
              {data.breakingChanges.map((change) => (
                <li key={`${change.version}-${change.description}`}>
                  <Badge tone="bad">breaking</Badge> {change.version}: {change.description}
                </li>
              ))}
            </ul>
          )}
          {data.advisories.length > 0 && (
            <ul className="explanation">
              {data.advisories.map((advisory) => (
                <li key={advisory.id}>
                  <Badge tone="good">fixes</Badge> {advisory.id} ({advisory.severity}): {advisory.summary}
                </li>
              ))}
            </ul>
          )}
          {data.order.length > 0 && (
            <p className="muted small">
              waits for {data.order.map((item) => `${item.component} (${item.state})`).join(', ')}
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
                wave.hosts.map((member) => {
                  const planned = hosts.find((host) => host.hostId === member.hostId);
                  return (
                    <tr key={member.hostId}>
                      <td>{wave.name}</td>
                      <td>{member.hostname}</td>
                      <td>{planned?.currentVersion ?? '—'}</td>
                      <td>{planned?.decision ?? '—'}</td>
                      <td>
                        {planned?.riskLevel !== undefined && planned.riskLevel !== null && (
                          <Badge tone={riskTone(planned.riskLevel)}>{planned.riskLevel}</Badge>
                        )}
                      </td>
                      <td className="small">
                        {[
                          ...(planned?.warnings ?? []),
                          ...(planned?.message === undefined || planned.message === null
                            ? []
                            : [planned.message]),
                        ].join('; ')}
                      </td>
                    </tr>
                  );
                }),
              )}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
