import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UpkeepError } from '@upkeep/errors';
import { keyIdOf } from '@upkeep/assignment';
import { loadPolicyConfig, type PolicyConfig } from '@upkeep/policy';
import { SecretValue } from '@upkeep/sources';
import { parseDatabaseUrl, type DatabaseTarget } from '../database/database-url.ts';
import { notificationSettingsFrom, type NotificationSettings } from './notification-settings.ts';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Client CA bundle; present exactly when mutual TLS is on. */
  readonly clientCa: Buffer | null;
}

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
  readonly keyId: string;
}

/** Everything the control plane reads from its environment, parsed once at start-up (STYLE §6). */
export interface AppConfig {
  readonly database: DatabaseTarget;
  readonly redisUrl: string;
  readonly http: ListenAddress;
  readonly grpc: ListenAddress;
  readonly tls: TlsMaterial;
  readonly mtls: boolean;
  /** Serve the REST API (and artifact downloads, which carry agent credentials) over HTTPS with the same certificate. */
  readonly httpTls: boolean;
  readonly signingKey: SigningKey;
  readonly artifactDir: string;
  readonly migrationsDir: string;
  /** The built web console (index.html and assets) served at `/`. */
  readonly consoleDir: string;
  /** BullMQ key prefix; lets several deployments (or tests) share one Redis. */
  readonly queuePrefix: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How long a signed assignment stays valid. */
  readonly assignmentTtlMs: number;
  /** How often the reconciler looks for unfinished work. */
  readonly reconcileIntervalMs: number;
  /** How often the relay looks for outbox rows not yet in BullMQ. */
  readonly outboxPollMs: number;
  /** versions.yaml the fleet follows (components, sources, strategies, safety); null: none given. */
  readonly policy: { readonly path: string; readonly config: PolicyConfig; readonly sha256: string } | null;
  /** How often each component's releases are refreshed from upstream. */
  readonly discoveryIntervalMs: number;
  /** Base URL agents use to download artifacts from this control plane. */
  readonly publicUrl: string;
  /** Tokens discovery sends upstream (raising rate limits, reaching private projects); printed redacted. */
  /** How often every replica's rollout driver looks at the running rollouts. */
  readonly rolloutTickMs: number;
  /** A host not heard from for this long is offline: a rollout waits for it, up to its offline deadline. */
  readonly hostOfflineAfterMs: number;
  readonly upstreamTokens: {
    readonly github: SecretValue | undefined;
    readonly gitlab: SecretValue | undefined;
  };
  /** The fleet's Prometheus that rollout gates query; null: none (a rollout with gates is held). */
  readonly prometheus: { readonly url: string; readonly timeoutMs: number } | null;
  /** Where notifications go and which kinds (versions.yaml `notifications` plus UPKEEP_SMTP_URL / UPKEEP_NOTIFY_*). */
  readonly notifications: NotificationSettings;
  /** Bearer token GET /metrics requires; undefined: the endpoint is open (keep it on a private network). */
  readonly metricsToken: SecretValue | undefined;
}

/** The variables the README lists, with their defaults. */
export const ENVIRONMENT_VARIABLES = {
  DATABASE_URL: 'Postgres URL; `?schema=` picks the schema (default public)',
  REDIS_URL: 'Redis URL (maxmemory-policy must be noeviction)',
  UPKEEP_HTTP_ADDRESS: 'REST API listen address, host:port (default 127.0.0.1:8080)',
  UPKEEP_GRPC_ADDRESS: 'agent gateway listen address, host:port (default 0.0.0.0:8443)',
  UPKEEP_TLS_CERT_FILE: 'PEM server certificate (chain) for the agent gateway',
  UPKEEP_TLS_KEY_FILE: 'PEM private key of that certificate',
  UPKEEP_TLS_CA_FILE: 'PEM CA bundle that signs agent client certificates (required when UPKEEP_MTLS=on)',
  UPKEEP_MTLS: 'on|off: require and verify agent client certificates (default off)',
  UPKEEP_HTTP_TLS:
    'on|off: serve the REST API over HTTPS with the gateway certificate (default off: behind a TLS proxy)',
  UPKEEP_SIGNING_KEY_FILE: 'PEM Ed25519 private key that signs job assignments',
  UPKEEP_ARTIFACT_DIR: 'directory of the content-addressed artifact store',
  UPKEEP_MIGRATIONS_DIR: 'prisma/migrations directory (default: the one in this repository)',
  UPKEEP_CONSOLE_DIR:
    'directory of the built web console served at / (default: apps/console/dist of this repository)',
  UPKEEP_QUEUE_PREFIX: 'BullMQ key prefix (default upkeep)',
  UPKEEP_LOG_LEVEL: 'fatal|error|warn|info|debug|trace|silent (default info)',
  UPKEEP_ASSIGNMENT_TTL_SECONDS: 'validity of a signed assignment (default 86400)',
  UPKEEP_RECONCILE_INTERVAL_MS: 'reconciler period (default 30000)',
  UPKEEP_OUTBOX_POLL_MS: 'outbox relay period (default 1000)',
  UPKEEP_POLICY_FILE: 'versions.yaml with the components the fleet runs (discovery, GET /api/check)',
  UPKEEP_DISCOVERY_INTERVAL_SECONDS: 'how often each component is refreshed from upstream (default 900)',
  UPKEEP_PUBLIC_URL:
    'base URL agents reach the REST API at, for artifact downloads (default from UPKEEP_HTTP_ADDRESS)',
  UPKEEP_PROMETHEUS_URL:
    "base URL of the fleet's Prometheus that rollout gates query, e.g. http://prometheus:9090 (optional)",
  UPKEEP_PROMETHEUS_TIMEOUT_SECONDS: 'how long one gate query may take (default 10)',
  UPKEEP_ROLLOUT_TICK_MS: 'how often each replica drives the running rollouts (default 1000)',
  UPKEEP_HOST_OFFLINE_AFTER_SECONDS:
    'a host not heard from (heartbeat, inventory) for this long counts as offline for rollouts (default 90)',
  GITHUB_TOKEN: 'token discovery sends to the GitHub API (optional)',
  GITLAB_TOKEN: 'token discovery sends to the GitLab API (optional)',
  UPKEEP_SMTP_URL:
    'smtp:// or smtps:// URL (user:password@host:port) of the mail server for the email notification channel',
  UPKEEP_NOTIFY_MAX_ATTEMPTS:
    'delivery attempts per notification channel before it is marked failed (default 5)',
  UPKEEP_NOTIFY_BACKOFF_MS:
    'first retry delay of a notification delivery, doubled each attempt (default 2000)',
  UPKEEP_NOTIFY_TIMEOUT_MS: 'timeout of one webhook call or SMTP conversation (default 10000)',
  UPKEEP_METRICS_TOKEN:
    'bearer token Prometheus must send to GET /metrics (optional; unset: /metrics is open, at least 16 characters)',
} as const;

/** A folder of the repository this file belongs to (from src/ or the compiled dist/), found by its marker. */
function repositoryPath(relative: string, marker: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth += 1) {
    if (existsSync(join(dir, marker))) return join(dir, relative);
    dir = dirname(dir);
  }
  return resolve(relative);
}

const defaultMigrationsDir = (): string => repositoryPath('prisma/migrations', 'prisma/migrations');
// The console's package.json, not its dist/: a missing build is reported by the site, not here.
const defaultConsoleDir = (): string => repositoryPath('apps/console/dist', 'apps/console/package.json');

const address = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, context) => {
      const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
      const port = Number(match?.[3]);
      if (match === null || port > 65_535) {
        context.addIssue({
          code: 'custom',
          message: `"${value}" is not host:port (e.g. 127.0.0.1:8080 or [::1]:8080)`,
        });
        return z.NEVER;
      }
      return { host: match[1] ?? (match[2] === '' ? '0.0.0.0' : (match[2] ?? '0.0.0.0')), port };
    });

const required = (what: string) =>
  z.string({ error: `is required: ${what}` }).min(1, { message: `is empty; set it to ${what}` });

const positiveInt = (fallback: number) =>
  z
    .string()
    .default(String(fallback))
    .transform((value, context) => {
      const parsed = Number(value);
      if (!Number.isSafeInteger(parsed) || parsed <= 0) {
        context.addIssue({ code: 'custom', message: `"${value}" is not a positive integer` });
        return z.NEVER;
      }
      return parsed;
    });

const environmentSchema = z.object({
  DATABASE_URL: required('a postgresql:// URL'),
  REDIS_URL: required('a redis:// URL').refine((value) => /^rediss?:\/\//.test(value), {
    message: 'must start with redis:// or rediss://',
  }),
  UPKEEP_HTTP_ADDRESS: address('127.0.0.1:8080'),
  UPKEEP_GRPC_ADDRESS: address('0.0.0.0:8443'),
  UPKEEP_TLS_CERT_FILE: required('the PEM server certificate of the agent gateway'),
  UPKEEP_TLS_KEY_FILE: required('the PEM private key of the agent gateway'),
  UPKEEP_TLS_CA_FILE: z.string().optional(),
  UPKEEP_MTLS: z.enum(['on', 'off'], { error: 'must be on or off' }).default('off'),
  UPKEEP_HTTP_TLS: z.enum(['on', 'off'], { error: 'must be on or off' }).default('off'),
  UPKEEP_SIGNING_KEY_FILE: required('a PEM Ed25519 private key (openssl genpkey -algorithm ed25519)'),
  UPKEEP_ARTIFACT_DIR: required('a directory for the artifact store'),
  UPKEEP_MIGRATIONS_DIR: z.string().optional(),
  UPKEEP_CONSOLE_DIR: z.string().min(1, { message: 'is empty; name a directory or unset it' }).optional(),
  UPKEEP_QUEUE_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,64}$/, { message: 'must be 1-64 letters, digits, - or _' })
    .default('upkeep'),
  UPKEEP_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  UPKEEP_ASSIGNMENT_TTL_SECONDS: positiveInt(86_400),
  UPKEEP_RECONCILE_INTERVAL_MS: positiveInt(30_000),
  UPKEEP_OUTBOX_POLL_MS: positiveInt(1_000),
  UPKEEP_POLICY_FILE: z.string().min(1, { message: 'is empty; name a versions.yaml or unset it' }).optional(),
  UPKEEP_DISCOVERY_INTERVAL_SECONDS: positiveInt(900),
  UPKEEP_PROMETHEUS_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL such as http://prometheus:9090' })
    .optional(),
  UPKEEP_PROMETHEUS_TIMEOUT_SECONDS: positiveInt(10),
  UPKEEP_ROLLOUT_TICK_MS: positiveInt(1_000),
  UPKEEP_HOST_OFFLINE_AFTER_SECONDS: positiveInt(90),
  GITHUB_TOKEN: z.string().optional(),
  GITLAB_TOKEN: z.string().optional(),
  UPKEEP_SMTP_URL: z
    .string()
    .refine((value) => /^smtps?:\/\/[^/\s]+/.test(value) && URL.canParse(value), {
      message: 'must be an smtp:// or smtps:// URL such as smtp://user:password@mail.example.com:587',
    })
    .optional(),
  UPKEEP_NOTIFY_MAX_ATTEMPTS: positiveInt(5),
  UPKEEP_NOTIFY_BACKOFF_MS: positiveInt(2_000),
  UPKEEP_NOTIFY_TIMEOUT_MS: positiveInt(10_000),
  UPKEEP_METRICS_TOKEN: z
    .string()
    .refine((value) => value.trim() === '' || value.trim().length >= 16, {
      message: 'is too short: use at least 16 characters (openssl rand -hex 32)',
    })
    .optional(),
  UPKEEP_PUBLIC_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://upkeep.example.com' })
    .optional(),
});

export type ReadFile = (path: string) => Buffer;

function configError(
  variable: keyof typeof ENVIRONMENT_VARIABLES,
  message: string,
  cause?: unknown,
): UpkeepError {
  return new UpkeepError('CONFIG_INVALID', `${variable} ${message}`, {
    details: { variable },
    hint: `${variable}: ${ENVIRONMENT_VARIABLES[variable]}`,
    ...(cause === undefined ? {} : { cause }),
  });
}

function readNamedFile(
  variable: keyof typeof ENVIRONMENT_VARIABLES,
  path: string,
  readFile: ReadFile,
): Buffer {
  try {
    return readFile(resolve(path));
  } catch (cause) {
    throw configError(
      variable,
      `names ${path}, which cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'})`,
      cause,
    );
  }
}

function loadSigningKey(path: string, readFile: ReadFile): SigningKey {
  const pem = readNamedFile('UPKEEP_SIGNING_KEY_FILE', path, readFile);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (cause) {
    throw configError('UPKEEP_SIGNING_KEY_FILE', `names ${path}, which is not a PEM private key`, cause);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw configError(
      'UPKEEP_SIGNING_KEY_FILE',
      `names a ${String(privateKey.asymmetricKeyType)} key; assignments are signed with Ed25519`,
    );
  }
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/**
 * Parses the environment into an AppConfig, reading the TLS and key files it
 * names. Every problem found is reported at once, each naming its variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, readFile: ReadFile): AppConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    const variables = parsed.error.issues.map((issue) => issue.path.join('.'));
    throw new UpkeepError('CONFIG_INVALID', `invalid environment: ${problems.join('; ')}`, {
      details: { variables },
      hint: 'see the control plane section of the README for every variable',
    });
  }
  const values = parsed.data;
  let database: DatabaseTarget;
  try {
    database = parseDatabaseUrl(values.DATABASE_URL);
  } catch (cause) {
    throw configError('DATABASE_URL', (cause as Error).message.replace(/^DATABASE_URL /, ''), cause);
  }
  const mtls = values.UPKEEP_MTLS === 'on';
  if (mtls && (values.UPKEEP_TLS_CA_FILE === undefined || values.UPKEEP_TLS_CA_FILE === '')) {
    throw configError(
      'UPKEEP_TLS_CA_FILE',
      'is required when UPKEEP_MTLS=on: it is the CA that signs agent certificates',
    );
  }
  const tls: TlsMaterial = {
    cert: readNamedFile('UPKEEP_TLS_CERT_FILE', values.UPKEEP_TLS_CERT_FILE, readFile),
    key: readNamedFile('UPKEEP_TLS_KEY_FILE', values.UPKEEP_TLS_KEY_FILE, readFile),
    clientCa: mtls ? readNamedFile('UPKEEP_TLS_CA_FILE', values.UPKEEP_TLS_CA_FILE ?? '', readFile) : null,
  };
  for (const [variable, content] of [
    ['UPKEEP_TLS_CERT_FILE', tls.cert],
    ['UPKEEP_TLS_KEY_FILE', tls.key],
  ] as const) {
    if (!content.toString('utf8').includes('-----BEGIN '))
      throw configError(variable, 'does not contain PEM data');
  }
  const httpTls = values.UPKEEP_HTTP_TLS === 'on';
  const http = values.UPKEEP_HTTP_ADDRESS;
  const reachableHost = http.host === '0.0.0.0' || http.host === '::' ? '127.0.0.1' : http.host;
  const defaultPublicUrl = `${httpTls ? 'https' : 'http'}://${reachableHost.includes(':') ? `[${reachableHost}]` : reachableHost}:${http.port}`;
  const policy =
    values.UPKEEP_POLICY_FILE === undefined ? null : loadPolicy(values.UPKEEP_POLICY_FILE, readFile);
  return {
    database,
    redisUrl: values.REDIS_URL,
    http: values.UPKEEP_HTTP_ADDRESS,
    grpc: values.UPKEEP_GRPC_ADDRESS,
    tls,
    mtls,
    httpTls,
    signingKey: loadSigningKey(values.UPKEEP_SIGNING_KEY_FILE, readFile),
    artifactDir: resolve(values.UPKEEP_ARTIFACT_DIR),
    migrationsDir: resolve(values.UPKEEP_MIGRATIONS_DIR ?? defaultMigrationsDir()),
    consoleDir: resolve(values.UPKEEP_CONSOLE_DIR ?? defaultConsoleDir()),
    queuePrefix: values.UPKEEP_QUEUE_PREFIX,
    logLevel: values.UPKEEP_LOG_LEVEL,
    assignmentTtlMs: values.UPKEEP_ASSIGNMENT_TTL_SECONDS * 1000,
    reconcileIntervalMs: values.UPKEEP_RECONCILE_INTERVAL_MS,
    outboxPollMs: values.UPKEEP_OUTBOX_POLL_MS,
    policy,
    discoveryIntervalMs: values.UPKEEP_DISCOVERY_INTERVAL_SECONDS * 1000,
    publicUrl: (values.UPKEEP_PUBLIC_URL ?? defaultPublicUrl).replace(/\/+$/, ''),
    rolloutTickMs: values.UPKEEP_ROLLOUT_TICK_MS,
    hostOfflineAfterMs: values.UPKEEP_HOST_OFFLINE_AFTER_SECONDS * 1000,
    upstreamTokens: { github: secretOf(values.GITHUB_TOKEN), gitlab: secretOf(values.GITLAB_TOKEN) },
    prometheus:
      values.UPKEEP_PROMETHEUS_URL === undefined
        ? null
        : {
            url: values.UPKEEP_PROMETHEUS_URL.replace(/\/+$/, ''),
            timeoutMs: values.UPKEEP_PROMETHEUS_TIMEOUT_SECONDS * 1000,
          },
    notifications: notificationSettingsFrom(
      policy?.config ?? null,
      {
        smtpUrl: values.UPKEEP_SMTP_URL,
        maxAttempts: values.UPKEEP_NOTIFY_MAX_ATTEMPTS,
        backoffMs: values.UPKEEP_NOTIFY_BACKOFF_MS,
        timeoutMs: values.UPKEEP_NOTIFY_TIMEOUT_MS,
      },
      env,
    ),
    metricsToken: secretOf(values.UPKEEP_METRICS_TOKEN),
  };
}

function secretOf(value: string | undefined): SecretValue | undefined {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? undefined : new SecretValue(trimmed);
}

/** Reads versions.yaml once; a bad file stops start-up naming the variable, the file and each problem. */
function loadPolicy(
  path: string,
  readFile: ReadFile,
): { path: string; config: PolicyConfig; sha256: string } {
  const absolute = resolve(path);
  const bytes = readNamedFile('UPKEEP_POLICY_FILE', absolute, readFile);
  const text = bytes.toString('utf8');
  // The hash of the bytes read, so the audited `policy.changed` names exactly the file this process follows.
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  try {
    return { path: absolute, config: loadPolicyConfig(text, absolute), sha256 };
  } catch (cause) {
    throw configError(
      'UPKEEP_POLICY_FILE',
      `names ${absolute}, which is not a valid versions.yaml: ${(cause as Error).message}`,
      cause,
    );
  }
}
