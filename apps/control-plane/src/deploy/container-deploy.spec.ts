import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENVIRONMENT_VARIABLES, loadConfig } from '../config/app-config.ts';

// No Docker engine here: the files are parsed and held against the code that reads them.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const IMAGE_ROOT = '/opt/upkeep/';

interface ComposeService {
  readonly image?: string;
  readonly build?: unknown;
  readonly command?: string[];
  readonly entrypoint?: string[];
  readonly environment?: Record<string, string>;
  readonly ports?: string[];
  readonly volumes?: string[];
  readonly depends_on?: Record<string, { condition: string }>;
  readonly healthcheck?: { test: string[] };
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const service = (name: string): ComposeService => {
  const found = services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

/** `${NAME:-default}` as compose expands it with NAME unset. */
const expand = (value: string): string => value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

/** The `keys` volume, filled by running the keys service's script here (openssl). */
let keysDir = '';

beforeAll(() => {
  keysDir = mkdtempSync(join(tmpdir(), 'upkeep-compose-keys-'));
  const result = spawnSync(join(ROOT, 'deploy/docker/init-keys.sh'), {
    env: { ...process.env, UPKEEP_KEYS_DIR: keysDir },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`init-keys.sh failed: ${result.stderr}`);
});

afterAll(() => {
  rmSync(keysDir, { recursive: true, force: true });
});

/** Where a path inside the containers comes from: this repository (the image) or the keys volume. */
function hostPath(path: string): string {
  if (path.startsWith(IMAGE_ROOT)) return join(ROOT, path.slice(IMAGE_ROOT.length));
  if (path.startsWith('/keys/')) return join(keysDir, path.slice('/keys/'.length));
  throw new Error(`the test does not know where ${path} comes from`);
}

/** Dockerfile instructions (continuation lines joined), without comments. */
function dockerfile(): { instruction: string; args: string }[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const space = line.indexOf(' ');
      return { instruction: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() };
    });
}

describe('docker-compose.yml', () => {
  it('has Postgres, Redis, the control plane and two agents, built from this Dockerfile', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['agent-1', 'agent-2', 'control-plane', 'keys', 'postgres', 'redis'].sort(),
    );
    expect(service('keys').build).toBe('.');
    for (const name of ['control-plane', 'agent-1', 'agent-2', 'keys']) {
      expect(service(name).image).toBe('upkeep:local');
    }
    const used = Object.values(services).flatMap((s) => (s.volumes ?? []).map((v) => v.split(':')[0]));
    expect([...new Set(used)].sort()).toEqual(Object.keys(compose.volumes).sort());
  });

  it("gives the control plane an environment its config parsing accepts, and nothing it doesn't read", () => {
    const environment = Object.fromEntries(
      Object.entries(service('control-plane').environment ?? {}).map(([key, value]) => [key, expand(value)]),
    );
    expect(Object.keys(environment).filter((key) => !(key in ENVIRONMENT_VARIABLES))).toEqual([]);
    const config = loadConfig(environment, (path) => readFileSync(hostPath(path)));
    // Ports published are the ones it listens on, on every interface of the container.
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(config.grpc).toEqual({ host: '0.0.0.0', port: 8443 });
    expect(service('control-plane').ports).toEqual([
      `${config.http.port}:${config.http.port}`,
      `${config.grpc.port}:${config.grpc.port}`,
    ]);
    expect(config.policy?.config.components['node_exporter']).toBeDefined();
    expect(config.metricsToken).toBeUndefined();
    // The database and Redis it is given are the compose services, with the credentials Postgres was started with.
    const postgres = service('postgres').environment ?? {};
    expect(environment['DATABASE_URL']).toBe(
      `postgresql://${postgres['POSTGRES_USER']}:${postgres['POSTGRES_PASSWORD']}@postgres:5432/${postgres['POSTGRES_DB']}`,
    );
    expect(config.redisUrl).toBe('redis://redis:6379');
    expect(service('redis').command).toContain('noeviction');
    // The health check asks the HTTP port the config listens on, and agents download from there too.
    expect(service('control-plane').healthcheck?.test.join(' ')).toContain(
      `127.0.0.1:${config.http.port}/readyz`,
    );
    expect(config.publicUrl).toBe(`http://control-plane:${config.http.port}`);
    expect(Object.keys(service('control-plane').depends_on ?? {}).sort()).toEqual([
      'keys',
      'postgres',
      'redis',
    ]);
  });

  it('points both agents at the gateway port, the CA the keys service writes, and a versions.yaml in the image', () => {
    const grpcPort = expand(service('control-plane').environment?.['UPKEEP_GRPC_ADDRESS'] ?? '').split(
      ':',
    )[1];
    const entrypoint = readFileSync(join(ROOT, 'deploy/docker/agent-entrypoint.sh'), 'utf8');
    const agentVariables = readFileSync(join(ROOT, 'docs/agent.md'), 'utf8');
    for (const name of ['agent-1', 'agent-2']) {
      const agent = service(name);
      const environment = agent.environment ?? {};
      expect(environment['UPKEEP_SERVER']).toBe(`control-plane:${grpcPort}`);
      expect(environment['UPKEEP_CA_FILE']).toBe('/keys/ca.crt');
      // The CA the agents trust signed the certificate the gateway serves, for the name they dial.
      const verify = spawnSync(
        'openssl',
        [
          'verify',
          '-CAfile',
          hostPath('/keys/ca.crt'),
          '-verify_hostname',
          'control-plane',
          hostPath('/keys/server.crt'),
        ],
        { encoding: 'utf8' },
      );
      expect(verify.stdout).toContain(': OK');
      expect(() => {
        accessSync(hostPath(environment['UPKEEP_CONFIG'] ?? ''), constants.R_OK);
      }).not.toThrow();
      // Each variable is either the agent's own (documented in docs/agent.md) or read by the entrypoint.
      for (const key of Object.keys(environment)) {
        expect(
          agentVariables.includes(`$${key}`) ||
            entrypoint.includes(`$${key}`) ||
            entrypoint.includes(`{${key}`),
        ).toBe(true);
      }
      expect(agent.entrypoint).toEqual(['/opt/upkeep/deploy/docker/agent-entrypoint.sh']);
      expect(agent.depends_on?.['control-plane']?.condition).toBe('service_healthy');
      expect(agent.volumes?.some((volume) => volume.endsWith(`:${environment['UPKEEP_ROOT']}`))).toBe(true);
    }
    expect(services['agent-1']?.volumes).not.toEqual(services['agent-2']?.volumes);
  });

  it('names entrypoints that exist in the repository and are executable', () => {
    for (const s of Object.values(services)) {
      const program = s.entrypoint?.[0];
      if (program === undefined) continue;
      expect(() => {
        accessSync(hostPath(program), constants.X_OK);
      }).not.toThrow();
    }
  });
});

describe('Dockerfile', () => {
  const instructions = dockerfile();
  const stages = instructions.filter((line) => line.instruction === 'FROM');

  it('leaves what the host built out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git']));
  });

  it('builds the web console it serves', () => {
    expect(
      instructions.some((line) => line.instruction === 'RUN' && line.args.includes('@upkeep/console build')),
    ).toBe(true);
  });

  it('builds in one stage and runs from another, both on Node 24', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.args).toMatch(/^node:24[-.\w]*( AS \w+)?$/i);
    expect(
      instructions.some((line) => line.instruction === 'COPY' && line.args.startsWith('--from=build ')),
    ).toBe(true);
  });

  it('runs as a user that is not root, exposes the ports compose publishes, and starts the control plane', () => {
    const runtime = instructions.slice(instructions.lastIndexOf(stages.at(-1) ?? instructions[0]!));
    const user = runtime.filter((line) => line.instruction === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    const exposed = runtime
      .filter((line) => line.instruction === 'EXPOSE')
      .flatMap((line) => line.args.split(/\s+/));
    const published = (service('control-plane').ports ?? []).map((port) => port.split(':')[1]);
    expect(exposed.sort()).toEqual(published.sort());
    expect(runtime.find((line) => line.instruction === 'CMD')?.args).toBe('["upkeep-server"]');
    // The wrappers it installs run the entry points this repository has.
    for (const entry of [
      'apps/control-plane/bin/upkeep-server.mjs',
      'apps/agent/src/main.ts',
      'apps/cli/src/main.ts',
    ]) {
      expect(runtime.some((line) => line.args.includes(`${IMAGE_ROOT}${entry}`))).toBe(true);
      expect(() => {
        accessSync(join(ROOT, entry), constants.R_OK);
      }).not.toThrow();
    }
  });
});
