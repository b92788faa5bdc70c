import { useState, type SyntheticEvent } from 'react';
import { messageOf } from './api-error.ts';
import { session } from './session.ts';
import type { Me } from './types.ts';
import { ErrorBox } from './widgets.tsx';

/** Asks for an API token and trades it for a session cookie (POST /api/session); the page keeps no copy. */
export function LoginPage({ onLogin }: { onLogin: (me: Me) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = (event: SyntheticEvent): void => {
    event.preventDefault();
    setBusy(true);
    session.logIn(token.trim()).then(
      (me) => {
        setBusy(false);
        setToken('');
        onLogin(me);
      },
      (failure: unknown) => {
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
          Create one with <code>upkeep-server api-token create --name NAME --role viewer</code>. The server
          trades it for a session cookie (12 hours at most) that scripts on this page cannot read; the server
          decides what the token's role may do.
        </p>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}
