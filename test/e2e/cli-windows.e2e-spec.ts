import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runUpkeep } from '../support/run-process.ts';

const SEED = join(REPO_ROOT, 'examples/versions.seed.yaml');
const dir = mkdtempSync(join(tmpdir(), 'upkeep-windows-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const config = join(dir, 'versions.yaml');
writeFileSync(
  config,
  `
components:
  app: { github_repo: acme/app }
environments:
  production: {}
upgrade_policies:
  maintenance_windows:
    enabled: true
    group_timezones: { paris: Europe/Paris }
    windows:
      - { day: sunday, start_time: "02:00", end_time: "06:00", allowed_operations: [upgrade] }
      - { day: saturday, start_time: "22:00", end_time: "02:00", timezone: UTC, groups: [paris], environments: [production] }
`,
);

interface WindowsJson {
  environment: string | null;
  group: string | null;
  enabled: boolean;
  windows: {
    day: string;
    timezone: string;
    start: string;
    end: string;
    openNow: boolean;
    groups?: string[];
  }[];
}

describe('upkeep windows next', () => {
  it('lists the openings of a group in its time zone, across the DST change', async () => {
    const result = await runUpkeep([
      'windows',
      'next',
      '--config',
      config,
      '--group',
      'paris',
      '--env',
      'production',
      '--count',
      '3',
      '--now',
      '2024-03-28T12:00:00Z',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const view = JSON.parse(result.stdout) as WindowsJson;
    expect(view).toMatchObject({ environment: 'production', group: 'paris', enabled: true });
    expect(view.windows.map((w) => [w.day, w.timezone, w.start, w.end])).toEqual([
      ['saturday', 'UTC', '2024-03-30T22:00:00.000Z', '2024-03-31T02:00:00.000Z'],
      ['sunday', 'Europe/Paris', '2024-03-31T01:00:00.000Z', '2024-03-31T04:00:00.000Z'],
      ['saturday', 'UTC', '2024-04-06T22:00:00.000Z', '2024-04-07T02:00:00.000Z'],
    ]);
  });

  it('leaves out windows of other groups and marks the open one', async () => {
    const result = await runUpkeep([
      'windows',
      'next',
      '--config',
      config,
      '--now',
      '2024-03-31T03:00:00Z',
      '-n',
      '2',
    ]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^open now\s+2024-03-31T02:00Z - 2024-03-31T06:00Z\s+\(Sun 2024-03-31 02:00 - 06:00 UTC\)/,
    );
    expect(result.stdout).not.toContain('groups paris');
  });

  it('says when windows are disabled (the seed)', async () => {
    const result = await runUpkeep([
      'windows',
      'next',
      '--config',
      SEED,
      '--now',
      '2024-06-05T00:00:00Z',
      '-n',
      '1',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('maintenance_windows.enabled is false');
    expect(result.stdout).toContain('2024-06-09T02:00Z - 2024-06-09T06:00Z');
  });

  it('refuses a bad count and an unknown environment', async () => {
    const count = await runUpkeep(['windows', 'next', '--config', config, '--count', 'many']);
    expect(count.code).toBe(64);
    expect(count.stderr).toContain('--count "many" is not a whole number from 1 to 1000');
    const env = await runUpkeep(['windows', 'next', '--config', config, '--env', 'prod']);
    expect(env.code).not.toBe(0);
    expect(env.stderr).toContain('environment "prod" is not defined');
  });
});
