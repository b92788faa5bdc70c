import { z } from 'zod';

/** A date (UTC midnight) or a date-time with an offset: an ISO-8601 time the operator can type. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks a text against a pattern; the message names the value that failed. */
function text(pattern: RegExp, what: string): z.ZodType<string> {
  return z.string().refine((value) => pattern.test(value), {
    error: (issue) => `"${String(issue.input)}" is not ${what}`,
  });
}

/** Date.parse takes 2026-02-30 for 2 March; the day must exist in its month. */
function isCalendarDate(value: string): boolean {
  const [year = 0, month = 0, day = 0] = value.slice(0, 10).split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function time(): z.ZodType<Date, string> {
  return z.string().transform((value, ctx) => {
    const ms = Date.parse(value);
    if (!ISO_TIME.test(value) || Number.isNaN(ms) || !isCalendarDate(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is not an ISO-8601 time (2026-03-01, or 2026-03-01T12:00:00Z with an offset)`,
      });
      return z.NEVER;
    }
    return new Date(ms);
  });
}

function limit(max: number, fallback: number): z.ZodType<number, string | undefined> {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return fallback;
      const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
      if (!(number >= 1 && number <= max)) {
        ctx.addIssue({
          code: 'custom',
          message: `"${value}" is not a whole number from 1 to ${String(max)}`,
        });
        return z.NEVER;
      }
      return number;
    });
}

/** A host id, or a hostname to resolve. */
export type HostRef = { readonly id: string } | { readonly hostname: string };

const host = z.string().transform((value, ctx): HostRef => {
  if (UUID.test(value)) return { id: value.toLowerCase() };
  if (/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$/.test(value)) return { hostname: value };
  ctx.addIssue({ code: 'custom', message: `"${value}" is neither a host id nor a hostname` });
  return z.NEVER;
});

const component = text(/^[A-Za-z0-9][\w.-]{0,127}$/, 'a component name');
const version = text(/^[\w.+~-]{1,128}$/, 'a version');
const group = text(/^[\w.:/-]{1,128}$/, 'a group name');
const outcome = text(
  /^[a-z][a-z_]{0,63}$/,
  'an outcome (succeeded, failed, refused, expired, rolled_back, started, skipped, …)',
);
const action = text(/^[a-z][a-z_]*(\.[a-z_]+)*$/, 'an action (e.g. job.succeeded, rollout.approved)');
const identifier = text(/^\S{1,200}$/, 'an id');

function ordered(value: { since?: Date | undefined; until?: Date | undefined }): boolean {
  return value.since === undefined || value.until === undefined || value.since < value.until;
}

const ORDER_MESSAGE = { message: 'since must be before until', path: ['until'] };

/** GET /api/audit: every filter optional; unknown parameters are an error, not ignored. */
export const auditListQuery = z
  .strictObject({
    component: component.optional(),
    host: host.optional(),
    group: group.optional(),
    version: version.optional(),
    actor: identifier.optional(),
    /** The former name of `actor`, kept for callers of /api/audit-events. */
    actorId: identifier.optional(),
    action: action.optional(),
    outcome: outcome.optional(),
    targetType: identifier.optional(),
    targetId: identifier.optional(),
    since: time().optional(),
    until: time().optional(),
    cursor: z.string().min(1).optional(),
    limit: limit(500, 100),
  })
  .refine(ordered, ORDER_MESSAGE);

export type AuditListParams = z.infer<typeof auditListQuery>;

/** GET /api/history/upgrades. */
export const upgradeHistoryQuery = z
  .strictObject({
    component,
    version: version.optional(),
    host: host.optional(),
    group: group.optional(),
    since: time().optional(),
    until: time().optional(),
    limit: limit(5000, 1000),
  })
  .refine(ordered, ORDER_MESSAGE);

export type UpgradeHistoryParams = z.infer<typeof upgradeHistoryQuery>;
