import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isUpkeepError, type UpkeepError } from '@upkeep/errors';
import { loadConfig, type ReadFile } from './app-config.ts';

const ed25519 = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
  format: 'pem',
  type: 'pkcs8',
});
const PEM = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

const files: Record<string, Buffer> = {
  '/etc/upkeep/server.crt': PEM,
  '/etc/upkeep/server.key': PEM,
  '/etc/upkeep/ca.crt': PEM,
  '/etc/upkeep/signing.pem': Buffer.from(ed25519),
  '/etc/upkeep/rsa.pem': Buffer.from(rsa),
  '/etc/upkeep/junk.pem': Buffer.from('hello'),
  '/etc/upkeep/versions.yaml': Buffer.from(
    'components:\n  node_exporter:\n    strategy: latest\n    github_repo: prometheus/node_exporter\n',
  ),
  '/etc/upkeep/bad.yaml': Buffer.from('components:\n  node_exporter:\n    strategy: newest\n'),
};
const readFile: ReadFile = (path) => {
  const content = files[path];
  if (content === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return content;
};

const valid = {
  DATABASE_URL: 'postgresql://upkeep@db:5432/upkeep?schema=fleet',
  REDIS_URL: 'redis://redis:6379',
  UPKEEP_TLS_CERT_FILE: '/etc/upkeep/server.crt',
  UPKEEP_TLS_KEY_FILE: '/etc/upkeep/server.key',
  UPKEEP_SIGNING_KEY_FILE: '/etc/upkeep/signing.pem',
  UPKEEP_ARTIFACT_DIR: '/var/lib/upkeep/artifacts',
};

function failure(env: Record<string, string | undefined>): UpkeepError {
  try {
    loadConfig(env, readFile);
  } catch (error) {
    if (isUpkeepError(error)) return error;
    throw error;
  }
  throw new Error('loadConfig accepted a bad environment');
}

describe('loadConfig', () => {
  it('reads UPKEEP_METRICS_TOKEN as a redacted secret, refuses a short one, and leaves /metrics open without it', () => {
    expect(loadConfig(valid, readFile).metricsToken).toBeUndefined();
    expect(loadConfig({ ...valid, UPKEEP_METRICS_TOKEN: '  ' }, readFile).metricsToken).toBeUndefined();
    const token = loadConfig(
      { ...valid, UPKEEP_METRICS_TOKEN: 'a-scrape-token-0123456789' },
      readFile,
    ).metricsToken;
    expect(token?.reveal()).toBe('a-scrape-token-0123456789');
    expect(JSON.stringify(token)).not.toContain('scrape');
    const error = failure({ ...valid, UPKEEP_METRICS_TOKEN: 'short' });
    expect(error.message).toContain('UPKEEP_METRICS_TOKEN is too short');
  });

  it('parses a complete environment with its defaults', () => {
    const config = loadConfig(valid, readFile);
    expect(config.database).toEqual({
      connectionString: 'postgresql://upkeep@db:5432/upkeep',
      schema: 'fleet',
    });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.grpc).toEqual({ host: '0.0.0.0', port: 8443 });
    expect(config.mtls).toBe(false);
    expect(config.tls.clientCa).toBeNull();
    expect(config.signingKey.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(config.queuePrefix).toBe('upkeep');
    expect(config.assignmentTtlMs).toBe(86_400_000);
  });

  it('parses IPv6 and explicit addresses', () => {
    const config = loadConfig(
      { ...valid, UPKEEP_HTTP_ADDRESS: '[::1]:9000', UPKEEP_GRPC_ADDRESS: ':9443' },
      readFile,
    );
    expect(config.http).toEqual({ host: '::1', port: 9000 });
    expect(config.grpc).toEqual({ host: '0.0.0.0', port: 9443 });
  });

  it('names every missing variable at once', () => {
    const error = failure({});
    expect(error.code).toBe('CONFIG_INVALID');
    for (const name of [
      'DATABASE_URL',
      'REDIS_URL',
      'UPKEEP_TLS_CERT_FILE',
      'UPKEEP_TLS_KEY_FILE',
      'UPKEEP_SIGNING_KEY_FILE',
      'UPKEEP_ARTIFACT_DIR',
    ]) {
      expect(error.message).toContain(`${name} is required`);
    }
  });

  it.each([
    [{ UPKEEP_HTTP_ADDRESS: 'localhost' }, 'UPKEEP_HTTP_ADDRESS "localhost" is not host:port'],
    [{ UPKEEP_GRPC_ADDRESS: '0.0.0.0:99999' }, 'UPKEEP_GRPC_ADDRESS "0.0.0.0:99999" is not host:port'],
    [{ UPKEEP_MTLS: 'yes' }, 'UPKEEP_MTLS must be on or off'],
    [{ UPKEEP_HTTP_TLS: 'maybe' }, 'UPKEEP_HTTP_TLS must be on or off'],
    [{ REDIS_URL: 'http://redis' }, 'REDIS_URL must start with redis://'],
    [{ DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL has protocol "mysql:"'],
    [{ DATABASE_URL: 'postgresql://db/x?schema=a;drop' }, 'DATABASE_URL names schema "a;drop"'],
    [{ UPKEEP_ASSIGNMENT_TTL_SECONDS: '-5' }, 'UPKEEP_ASSIGNMENT_TTL_SECONDS "-5" is not a positive integer'],
    [{ UPKEEP_MTLS: 'on' }, 'UPKEEP_TLS_CA_FILE is required when UPKEEP_MTLS=on'],
    [
      { UPKEEP_TLS_CERT_FILE: '/missing.crt' },
      'UPKEEP_TLS_CERT_FILE names /missing.crt, which cannot be read (ENOENT)',
    ],
    [{ UPKEEP_TLS_KEY_FILE: '/etc/upkeep/junk.pem' }, 'UPKEEP_TLS_KEY_FILE does not contain PEM data'],
    [
      { UPKEEP_SIGNING_KEY_FILE: '/etc/upkeep/junk.pem' },
      'UPKEEP_SIGNING_KEY_FILE names /etc/upkeep/junk.pem, which is not a PEM private key',
    ],
    [
      { UPKEEP_SIGNING_KEY_FILE: '/etc/upkeep/rsa.pem' },
      'UPKEEP_SIGNING_KEY_FILE names a rsa key; assignments are signed with Ed25519',
    ],
  ])('stops on %o naming the variable', (override, message) => {
    const error = failure({ ...valid, ...override });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(message);
  });

  it('reads the client CA only under mTLS', () => {
    const config = loadConfig(
      { ...valid, UPKEEP_MTLS: 'on', UPKEEP_TLS_CA_FILE: '/etc/upkeep/ca.crt' },
      readFile,
    );
    expect(config.mtls).toBe(true);
    expect(config.tls.clientCa).toEqual(PEM);
  });

  it('reads versions.yaml once and defaults the public URL from the HTTP address', () => {
    const config = loadConfig(
      { ...valid, UPKEEP_POLICY_FILE: '/etc/upkeep/versions.yaml', UPKEEP_HTTP_ADDRESS: '0.0.0.0:8080' },
      readFile,
    );
    expect(config.policy?.path).toBe('/etc/upkeep/versions.yaml');
    expect(Object.keys(config.policy?.config.components ?? {})).toEqual(['node_exporter']);
    expect(config.publicUrl).toBe('http://127.0.0.1:8080');
    expect(config.discoveryIntervalMs).toBe(900_000);
    expect(loadConfig(valid, readFile).policy).toBeNull();
    expect(loadConfig({ ...valid, UPKEEP_PUBLIC_URL: 'https://cp.example/' }, readFile).publicUrl).toBe(
      'https://cp.example',
    );
  });

  it('stops on a bad or missing versions.yaml, naming the variable and the file', () => {
    const bad = failure({ ...valid, UPKEEP_POLICY_FILE: '/etc/upkeep/bad.yaml' });
    expect(bad.code).toBe('CONFIG_INVALID');
    expect(bad.message).toMatch(
      /^UPKEEP_POLICY_FILE names \/etc\/upkeep\/bad\.yaml, which is not a valid versions\.yaml: [\s\S]*:3:15 [\s\S]*"newest"/,
    );
    expect(failure({ ...valid, UPKEEP_POLICY_FILE: '/etc/upkeep/none.yaml' }).message).toMatch(
      /^UPKEEP_POLICY_FILE names \/etc\/upkeep\/none\.yaml, which cannot be read/,
    );
    expect(failure({ ...valid, UPKEEP_PUBLIC_URL: 'ftp://x' }).message).toContain('UPKEEP_PUBLIC_URL');
  });

  it('reads the Prometheus that rollout gates query', () => {
    expect(loadConfig(valid, readFile).prometheus).toBeNull();
    expect(
      loadConfig(
        {
          ...valid,
          UPKEEP_PROMETHEUS_URL: 'http://prometheus:9090/',
          UPKEEP_PROMETHEUS_TIMEOUT_SECONDS: '3',
        },
        readFile,
      ).prometheus,
    ).toEqual({ url: 'http://prometheus:9090', timeoutMs: 3000 });
    expect(failure({ ...valid, UPKEEP_PROMETHEUS_URL: 'prometheus:9090' }).message).toContain(
      'UPKEEP_PROMETHEUS_URL must be an http(s) URL',
    );
    expect(failure({ ...valid, UPKEEP_PROMETHEUS_TIMEOUT_SECONDS: '0' }).message).toContain(
      'UPKEEP_PROMETHEUS_TIMEOUT_SECONDS',
    );
  });
});

describe('loadConfig: notifications', () => {
  it('reads the SMTP URL and the retry settings, with defaults', () => {
    const config = loadConfig(valid, readFile);
    expect(config.notifications).toMatchObject({ enabled: false, maxAttempts: 5, backoffMs: 2000 });
    const tuned = loadConfig(
      { ...valid, UPKEEP_NOTIFY_MAX_ATTEMPTS: '3', UPKEEP_NOTIFY_BACKOFF_MS: '100' },
      readFile,
    );
    expect(tuned.notifications).toMatchObject({ maxAttempts: 3, backoffMs: 100 });
  });

  it('refuses a bad SMTP URL or attempt count naming the variable, never echoing the password', () => {
    const error = failure({ ...valid, UPKEEP_SMTP_URL: 'http://user:hunter22@mail.test' });
    expect(error.message).toContain('UPKEEP_SMTP_URL must be an smtp:// or smtps:// URL');
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain('hunter22');
    expect(failure({ ...valid, UPKEEP_NOTIFY_MAX_ATTEMPTS: '0' }).message).toContain(
      'UPKEEP_NOTIFY_MAX_ATTEMPTS "0" is not a positive integer',
    );
  });
});
