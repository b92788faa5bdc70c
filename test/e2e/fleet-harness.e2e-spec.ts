// The fleet harness itself (test/support/fleet), end to end: a control-plane process,
// the local upstream, host folders enrolled with groups and labels and served by
// `upkeep-agent run --host-root ...` processes (several hosts each), 1.0.0 installed on
// every host through control-plane jobs. The rollout suites build on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../support/fleet/fleet.ts';
import { runAgent } from '../support/run-process.ts';

describe('the fleet harness', () => {
  let fleet: Fleet | undefined;
  const the = (): Fleet => {
    if (fleet === undefined) throw new Error('the fleet did not start');
    return fleet;
  };

  beforeAll(async () => {
    fleet = await startFleet({
      hosts: [
        { name: 'canary-1', groups: ['canary'], labels: { role: 'web' } },
        { name: 'web-1', groups: ['web'], labels: { role: 'web' } },
        { name: 'db-1', groups: ['db'], labels: { role: 'db' } },
      ],
      hostsPerAgent: 2,
    });
  }, 600_000);

  afterAll(async () => {
    await fleet?.stop();
  }, 120_000);

  it('enrolls every host folder under its own name with its groups and labels', async () => {
    expect(the().agents).toHaveLength(2);
    const hosts = await the().api<{
      items: { id: string; hostname: string; groups: string[]; labels: Record<string, string> }[];
    }>('GET', '/api/hosts?limit=100');
    expect(hosts.status).toBe(200);
    const byName = Object.fromEntries(hosts.body.items.map((h) => [h.hostname, h]));
    expect(Object.keys(byName).sort()).toEqual(['canary-1', 'db-1', 'web-1']);
    expect(byName['canary-1']).toMatchObject({ groups: ['canary'], labels: { role: 'web' } });
    expect(byName['db-1']).toMatchObject({ groups: ['db'], labels: { role: 'db' } });
    expect(new Set(hosts.body.items.map((h) => h.id)).size).toBe(3);
    const group = await the().api<{ items: { hostname: string }[] }>('GET', '/api/hosts?group=canary');
    expect(group.body.items.map((h) => h.hostname)).toEqual(['canary-1']);
  });

  it('runs 1.0.0 on every host, installed by the agents and reported to the control plane', async () => {
    expect(await the().servedVersions()).toEqual({ 'canary-1': '1.0.0', 'web-1': '1.0.0', 'db-1': '1.0.0' });
    expect(await the().reportedVersions()).toEqual({
      'canary-1': '1.0.0',
      'web-1': '1.0.0',
      'db-1': '1.0.0',
    });
    const hashes = Object.values(the().binaryHashes());
    expect(new Set(hashes).size).toBe(1);
    expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('upgrades one host through a job while the others stay as they were', async () => {
    const before = the().binaryHashes();
    await the().installThroughJobs('1.0.2', [the().host('web-1')]);
    const after = the().binaryHashes();
    expect(after['web-1']).not.toBe(before['web-1']);
    expect(after['canary-1']).toBe(before['canary-1']);
    expect(after['db-1']).toBe(before['db-1']);
    expect((await the().servedVersions())['web-1']).toBe('1.0.2');
  });

  it('gives a logged-in command line per token', async () => {
    const hosts = await the().upkeep(['hosts', '--json']);
    expect(hosts.stderr).toBe('');
    expect(hosts.code).toBe(0);
    expect(hosts.stdout).toContain('canary-1');
  });

  it('refuses --host-root with the options each host folder has its own of', async () => {
    const [first, second] = the().hosts;
    const run = await runAgent(['run', '--host-root', first?.root ?? '', '--root', second?.root ?? '']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('--host-root cannot be combined with --root');
    const twice = await runAgent(['run', '--host-root', first?.root ?? '', '--host-root', first?.root ?? '']);
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toContain('a --host-root folder is given twice');
    const enroll = await runAgent([
      'enroll',
      '--server',
      'localhost:1',
      '--token',
      'x',
      '--host-root',
      first?.root ?? '',
      '--host-root',
      second?.root ?? '',
      '--hostname',
      'one',
    ]);
    expect(enroll.code).not.toBe(0);
    expect(enroll.stderr).toContain('--host-root cannot be combined with --hostname');
  });
});
