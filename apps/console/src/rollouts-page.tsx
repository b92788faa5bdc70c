import { useEffect, useState } from 'react';
import { get, type Page } from './api.ts';
import { messageOf } from './api-error.ts';
import { followEventStream } from './event-stream.ts';
import { ApprovalForm, RolloutControls } from './rollout-actions.tsx';
import type { Me, Rollout } from './types.ts';
import { useLoad } from './use-load.ts';
import { ActorName, Badge, ErrorBox, formatTime, Link, RiskBadge, StateBadge } from './widgets.tsx';

export function RolloutsPage({ me, id }: { me: Me; id: string | undefined }) {
  return id === undefined ? <RolloutList /> : <RolloutDetail me={me} id={id} />;
}

function RolloutList() {
  const [state, setState] = useState('');
  const list = useLoad(
    () => get<Page<Rollout>>('/api/rollouts', { state: state === '' ? undefined : state, limit: '100' }),
    `rollouts-${state}`,
  );
  return (
    <section>
      <header className="page-head">
        <h2>Rollouts</h2>
        <select
          aria-label="State"
          value={state}
          onChange={(event) => {
            setState(event.target.value);
          }}
        >
          <option value="">Every state</option>
          {[
            'draft',
            'awaiting_approval',
            'scheduled',
            'running',
            'paused',
            'completed',
            'aborted',
            'failed',
          ].map((value) => (
            <option key={value} value={value}>
              {value.replace('_', ' ')}
            </option>
          ))}
        </select>
        <button type="button" onClick={list.reload} disabled={list.loading}>
          Refresh
        </button>
      </header>
      <ErrorBox error={list.error} />
      <table>
        <thead>
          <tr>
            <th>Rollout</th>
            <th>Environment</th>
            <th>State</th>
            <th>Progress</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {(list.data?.items ?? []).map((rollout) => {
            const hosts = rollout.waves.flatMap((wave) => wave.hosts);
            const done = hosts.filter((host) => host.state === 'succeeded').length;
            return (
              <tr key={rollout.id} data-rollout={rollout.id}>
                <td>
                  <Link to={`/rollouts/${rollout.id}`}>
                    {rollout.component} → {rollout.targetVersion}
                  </Link>
                </td>
                <td>{rollout.environment}</td>
                <td>
                  <StateBadge state={rollout.state} />
                </td>
                <td>
                  {done}/{hosts.length} hosts
                </td>
                <td>
                  {formatTime(rollout.createdAt)} by{' '}
                  <ActorName id={rollout.createdBy} name={rollout.createdByName} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {list.data !== undefined && list.data.items.length === 0 && <p className="muted">No rollouts.</p>}
    </section>
  );
}

/** One rollout, kept current by its event stream (GET /api/rollouts/:id/events). */
function RolloutDetail({ me, id }: { me: Me; id: string }) {
  const [rollout, setRollout] = useState<Rollout | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [stream, setStream] = useState('connecting');
  useEffect(() => {
    const abort = new AbortController();
    setRollout(undefined);
    get<Rollout>(`/api/rollouts/${id}`).then(
      (value) => {
        // The stream may already have delivered something newer.
        setRollout((current) => current ?? value);
      },
      (failure: unknown) => {
        setError(messageOf(failure));
      },
    );
    void followEventStream(
      `/api/rollouts/${id}/events`,
      {
        onEvent: (event) => {
          if (event.event !== 'rollout') return;
          try {
            setRollout(JSON.parse(event.data) as Rollout);
          } catch {
            // a torn event is followed by a whole one
          }
        },
        onStatus: (status, detail) => {
          setStream(detail === undefined ? status : `${status}: ${detail}`);
        },
      },
      abort.signal,
    );
    return () => {
      abort.abort();
    };
  }, [id]);
  return (
    <section>
      <header className="page-head">
        <h2>
          <Link to="/rollouts">Rollouts</Link> /{' '}
          {rollout === undefined ? id : `${rollout.component} → ${rollout.targetVersion}`}
        </h2>
        <span className={`stream stream-${stream.split(':')[0] ?? ''}`} data-stream={stream.split(':')[0]}>
          {stream}
        </span>
      </header>
      <ErrorBox error={error} />
      {rollout !== undefined && (
        <>
          <p className="rollout-state">
            <span data-testid="rollout-state">
              <StateBadge state={rollout.state} />
            </span>{' '}
            <span className="muted">
              in {rollout.environment} · created by{' '}
              <ActorName id={rollout.createdBy} name={rollout.createdByName} /> · updated{' '}
              {formatTime(rollout.updatedAt)}
            </span>
          </p>
          <p className="muted small">
            risk when planned{' '}
            <span data-testid="risk">
              <RiskBadge risk={rollout.risk} missing="not recorded" />
            </span>
            {(rollout.breakingChanges ?? []).map((change) => (
              <span key={`${change.version}-${change.description}`}>
                {' '}
                · <Badge tone="bad">breaking</Badge> {change.version}: {change.description}
              </span>
            ))}
          </p>
          {rollout.reason !== null && rollout.reason !== '' && <p className="muted">{rollout.reason}</p>}
          {rollout.state === 'awaiting_approval' && (
            <ApprovalForm rollout={rollout} me={me} onDone={setRollout} />
          )}
          <RolloutControls rollout={rollout} onDone={setRollout} />
          {rollout.approvals.length > 0 && (
            <ul className="approvals">
              {rollout.approvals.map((approval) => (
                <li key={`${approval.actor}-${approval.at}`}>
                  <Badge tone={approval.decision === 'approve' ? 'good' : 'bad'}>{approval.decision}</Badge>{' '}
                  by <ActorName id={approval.actor} name={approval.actorName} /> at {formatTime(approval.at)}
                  {approval.comment !== '' && <>: “{approval.comment}”</>}
                </li>
              ))}
            </ul>
          )}
          {rollout.waves.map((wave) => (
            <div key={wave.index} className="wave" data-wave={wave.name}>
              <h3>
                Wave {wave.index + 1}: {wave.name} <StateBadge state={wave.state} />{' '}
                <span className="muted small">
                  size {wave.size} · parallel {wave.maxParallel} · bake {wave.bakeSeconds}s · threshold{' '}
                  {wave.failureThreshold}
                </span>
              </h3>
              <table>
                <tbody>
                  {wave.hosts.map((host) => (
                    <tr key={host.hostId} data-host={host.hostname}>
                      <td>{host.hostname}</td>
                      <td>
                        <StateBadge state={host.state} />
                      </td>
                      {/* The plan's warnings, frozen at creation, on hover: the message is what happens now. */}
                      <td title={host.warnings.join('\n')}>
                        <RiskBadge risk={host.riskLevel} />
                      </td>
                      <td className="muted small">{host.message ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </>
      )}
    </section>
  );
}
