import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePolicyYaml } from '../testing/discovery-fixture.ts';
import { connectToSchema } from '../testing/test-database.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';

// No workers: discovery would otherwise ask the (absent) upstream for releases.
const QUIET = { relay: false, reconciler: false, workers: false };

describe('policy.changed', () => {
  let environment: TestEnvironment;
  let dir: string;
  let policyFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'upkeep-policy-audit-'));
    policyFile = join(dir, 'versions.yaml');
    await writeFile(policyFile, fixturePolicyYaml('http://127.0.0.1:9'));
    environment = await createTestEnvironment({ extraEnv: { UPKEEP_POLICY_FILE: policyFile } });
  });

  afterAll(async () => {
    await environment.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const policyEvents = async (): Promise<{ sha256: string; previous: string | null }[]> => {
    const db = await connectToSchema(environment.schema.target);
    try {
      const rows = await db.query<{ sha256: string; previous: string | null }>(
        `SELECT details->>'sha256' AS sha256, details->>'previousSha256' AS previous FROM audit_events
         WHERE action = 'policy.changed' ORDER BY occurred_at, id`,
      );
      return rows.rows;
    } finally {
      await db.end();
    }
  };

  it('is recorded at start-up when the policy file hash differs from the last recorded one, once', async () => {
    const first = await environment.start({ background: QUIET });
    await first.close();
    const [recorded] = await policyEvents();
    expect(recorded?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(recorded?.previous).toBeNull();

    // Same file: nothing new, even with two replicas starting side by side.
    const again = await Promise.all([
      environment.start({ background: QUIET }),
      environment.startReplica({ background: QUIET }).then((replica) => replica.controlPlane),
    ]);
    for (const controlPlane of again) await controlPlane.close();
    expect(await policyEvents()).toHaveLength(1);

    await writeFile(policyFile, `${fixturePolicyYaml('http://127.0.0.1:9')}# edited\n`);
    const edited = await environment.start({ background: QUIET });
    await edited.close();
    const events = await policyEvents();
    expect(events).toHaveLength(2);
    expect(events[1]?.previous).toBe(recorded?.sha256);
    expect(events[1]?.sha256).not.toBe(recorded?.sha256);
  }, 120_000);
});
