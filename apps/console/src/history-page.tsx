import { useEffect, useState, type SyntheticEvent } from 'react';
import { ApiError, get, type Page } from './api.ts';
import { messageOf } from './api-error.ts';
import type { AuditEvent } from './types.ts';
import { ErrorBox, formatTime } from './widgets.tsx';

const FILTERS = [
  'component',
  'host',
  'group',
  'version',
  'actor',
  'action',
  'outcome',
  'since',
  'until',
] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const EMPTY: Filters = Object.fromEntries(FILTERS.map((name) => [name, ''])) as Filters;

/** `since`/`until` come from datetime-local inputs (local time); the API takes ISO-8601. */
const toIso = (local: string): string | undefined =>
  local === '' ? undefined : new Date(local).toISOString();

/** The audit trail with the API's filters (GET /api/audit), newest first, a page at a time. */
export function HistoryPage() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loaded, setLoaded] = useState(false);
  const load = (filters: Filters, after: string | null): void => {
    const query = {
      ...Object.fromEntries(FILTERS.map((name) => [name, filters[name] === '' ? undefined : filters[name]])),
      since: toIso(filters.since),
      until: toIso(filters.until),
      cursor: after ?? undefined,
      limit: '50',
    };
    get<Page<AuditEvent>>('/api/audit', query).then(
      (page) => {
        setEvents((current) => (after === null ? [...page.items] : [...current, ...page.items]));
        setCursor(page.nextCursor);
        setError(undefined);
        setLoaded(true);
      },
      (failure: unknown) => {
        setError(failure instanceof ApiError ? failure.describe() : messageOf(failure));
        setLoaded(true);
      },
    );
  };
  useEffect(() => {
    load(EMPTY, null);
    // the first page once, unfiltered; later loads come from the form
  }, []);
  const submit = (event: SyntheticEvent): void => {
    event.preventDefault();
    load(draft, null);
  };
  return (
    <section>
      <h2>History</h2>
      <form className="filters history-filters" onSubmit={submit}>
        {FILTERS.map((name) => (
          <label key={name}>
            {name}
            <input
              name={name}
              type={name === 'since' || name === 'until' ? 'datetime-local' : 'text'}
              value={draft[name]}
              onChange={(event) => {
                setDraft({ ...draft, [name]: event.target.value });
              }}
            />
          </label>
        ))}
        <button type="submit">Filter</button>
        <button
          type="button"
          onClick={() => {
            setDraft(EMPTY);
            load(EMPTY, null);
          }}
        >
          Clear
        </button>
      </form>
      <ErrorBox error={error} />
      <table className="history-table">
        <thead>
          <tr>
            <th>When</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Subject</th>
            <th>Target</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.id} data-action={event.action}>
              <td>{formatTime(event.occurredAt)}</td>
              <td>
                <span title={event.actorId}>{event.actorName ?? event.actorId}</span>{' '}
                <span className="muted small">{event.actorType}</span>
              </td>
              <td>
                {event.action}
                {event.outcome !== null && <span className="muted small"> · {event.outcome}</span>}
              </td>
              <td>
                {event.component ?? ''}
                {event.version !== null && <code> {event.version}</code>}
                {event.hostGroups.length > 0 && (
                  <span className="muted small"> · {event.hostGroups.join(', ')}</span>
                )}
              </td>
              <td>
                {event.targetType} <span className="muted small">{event.targetId}</span>
              </td>
              <td className="small details">{JSON.stringify(event.details)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {loaded && events.length === 0 && error === undefined && <p className="muted">No event matches.</p>}
      {cursor !== null && (
        <button
          type="button"
          onClick={() => {
            load(draft, cursor);
          }}
        >
          Older
        </button>
      )}
    </section>
  );
}
