import { useState, type SyntheticEvent } from 'react';
import { get } from './api.ts';
import { messageOf } from './api-error.ts';
import { session } from './session.ts';
import type { Me } from './types.ts';
import { ErrorBox } from './widgets.tsx';

/** Asks for an API token, checks it with GET /api/me and keeps it for this tab. */
export function LoginPage({ onLogin }: { onLogin: (me: Me) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = (event: SyntheticEvent): void => {
    event.preventDefault();
    setBusy(true);
    session.save(token.trim());
    get<Me>('/api/me').then(
      (me) => {
        setBusy(false);
        onLogin(me);
      },
      (failure: unknown) => {
        session.clear();
        setBusy(false);
        setError(messageOf(failure));
      },
    );
  };
  return (
    <main className="login">
      <h1>Upkeep</h1>
      <form onSubmit={submit}>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          value={token}
          onChange={(event) => {
            setToken(event.target.value);
          }}
          placeholder="upk_…"
        />
        <button type="submit" disabled={busy || token.trim() === ''}>
          Log in
        </button>
        <p className="muted">
          Create one with <code>upkeep-server api-token create --name NAME --role viewer</code>. It is kept in
          this tab only and sent with every API call; the server decides what its role may do.
        </p>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}
