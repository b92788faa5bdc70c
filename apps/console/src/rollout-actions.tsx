import { useState } from 'react';
import { post } from './api.ts';
import { messageOf } from './api-error.ts';
import { roleAllows, type Me, type Rollout } from './types.ts';
import { ErrorBox } from './widgets.tsx';

/**
 * Approve / reject with a comment. The buttons show for every role: the server
 * decides, and its refusal (403 with the rule) is what the user reads.
 */
export function ApprovalForm({
  rollout,
  me,
  onDone,
}: {
  rollout: Rollout;
  me: Me;
  onDone: (r: Rollout) => void;
}) {
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const decide = (decision: 'approve' | 'reject'): void => {
    setBusy(true);
    setError(undefined);
    post<Rollout>(`/api/rollouts/${rollout.id}/${decision}`, { comment }).then(
      (updated) => {
        setBusy(false);
        setComment('');
        onDone(updated);
      },
      (failure: unknown) => {
        setBusy(false);
        setError(messageOf(failure));
      },
    );
  };
  return (
    <div className="approval-form">
      <textarea
        aria-label="Comment"
        placeholder="Comment (kept in the audit trail)"
        value={comment}
        onChange={(event) => {
          setComment(event.target.value);
        }}
      />
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() => {
            decide('approve');
          }}
        >
          Approve
        </button>
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() => {
            decide('reject');
          }}
        >
          Reject
        </button>
        {!roleAllows(me.role, 'approver') && (
          <span className="muted small">your role is {me.role}; the server requires approver</span>
        )}
      </div>
      <ErrorBox error={error} />
    </div>
  );
}

/** Submit (a draft) / pause / resume / abort of a rollout (operator on the server). */
export function RolloutControls({ rollout, onDone }: { rollout: Rollout; onDone: (r: Rollout) => void }) {
  const [error, setError] = useState<string | undefined>(undefined);
  const [rollback, setRollback] = useState(false);
  const [busy, setBusy] = useState(false);
  const act = (
    action: 'submit' | 'pause' | 'resume' | 'abort' | 'retry-failed',
    body: unknown = {},
  ): void => {
    setBusy(true);
    setError(undefined);
    post<Rollout>(`/api/rollouts/${rollout.id}/${action}`, body).then(
      (updated) => {
        setBusy(false);
        onDone(updated);
      },
      (failure: unknown) => {
        setBusy(false);
        setError(messageOf(failure));
      },
    );
  };
  const finished = ['completed', 'aborted', 'failed'].includes(rollout.state);
  const draft = rollout.state === 'draft';
  return (
    <div className="controls">
      {draft && (
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() => {
            act('submit');
          }}
        >
          Submit
        </button>
      )}
      <button
        type="button"
        disabled={busy || finished || draft || rollout.state === 'paused'}
        onClick={() => {
          act('pause');
        }}
      >
        Pause
      </button>
      <button
        type="button"
        disabled={busy || rollout.state !== 'paused'}
        onClick={() => {
          act('resume');
        }}
      >
        Resume
      </button>
      <button
        type="button"
        disabled={busy || draft || rollout.state === 'completed' || rollout.state === 'aborted'}
        onClick={() => {
          act('retry-failed');
        }}
      >
        Retry failed
      </button>
      <label className="small">
        <input
          type="checkbox"
          checked={rollback}
          onChange={(event) => {
            setRollback(event.target.checked);
          }}
        />{' '}
        roll back done hosts
      </label>
      <button
        type="button"
        className="danger"
        disabled={busy || finished}
        onClick={() => {
          act('abort', { rollback });
        }}
      >
        Abort
      </button>
      <ErrorBox error={error} />
    </div>
  );
}
