import type { ReactNode } from 'react';
import { navigate } from './router.ts';

export function Badge({ tone, children }: { tone: string; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

const STATE_TONES: Readonly<Record<string, string>> = {
  completed: 'good',
  succeeded: 'good',
  running: 'busy',
  baking: 'busy',
  dispatched: 'busy',
  awaiting_approval: 'wait',
  waiting_offline: 'wait',
  scheduled: 'wait',
  paused: 'wait',
  pending: 'idle',
  draft: 'idle',
  skipped: 'idle',
  failed: 'bad',
  aborted: 'bad',
  rolled_back: 'bad',
  reverted: 'bad',
};

export function StateBadge({ state }: { state: string }) {
  return (
    <Badge tone={STATE_TONES[state] ?? 'idle'}>
      <span data-state={state}>{state.replaceAll('_', ' ')}</span>
    </Badge>
  );
}

export function ErrorBox({ error }: { error: string | undefined }) {
  if (error === undefined) return null;
  return (
    <div className="error" role="alert">
      {error}
    </div>
  );
}

export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  return (
    <a
      href={to}
      className={className}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

export const formatTime = (iso: string | null): string =>
  iso === null ? '—' : new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });

/** Who did something: the API token's name when the server knows it, else its id; the id on hover. */
export function ActorName({ id, name }: { id: string; name: string | null }) {
  return (
    <span className="actor" title={id} data-actor={id}>
      {name ?? id}
    </span>
  );
}

const riskTone = (risk: string | null): string =>
  risk === 'low' ? 'good' : risk === 'medium' ? 'wait' : risk === null ? 'idle' : 'bad';

/** A plan's or a host's risk level; `missing` stands in when none was recorded. */
export function RiskBadge({ risk, missing = '' }: { risk: string | null; missing?: string }) {
  if (risk === null && missing === '') return null;
  return (
    <Badge tone={riskTone(risk)}>
      <span data-risk={risk ?? ''}>{risk ?? missing}</span>
    </Badge>
  );
}
