import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createMessage, generateKey, readPrivateKey, sign } from 'openpgp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { rawTar } from '../archive/archive-writer.fixture.ts';
import { startArtifactServer, type ArtifactServer } from '../download/artifact-server.fixture.ts';
import { collectMetrics, writeMetricsTextfile } from '../metrics/metrics-textfile.repository.ts';
import {
  COMPONENT,
  hostPaths,
  layHost,
  openHost,
  recordInstalled,
  releaseArchive,
  servedVersion,
  type Host,
} from '../testing/agent-host.fixture.ts';
import { freePort, type ExporterBehaviour } from '../testing/fake-host.fixture.ts';
import { describeResult } from '../service/process-runner.port.ts';
import { execFileRunner } from '../service/process-runner.repository.ts';
import { sha256File } from '../verify/file-hash.repository.ts';
import { rollbackToPoint } from './manual-rollback.service.ts';

let root: string;
let port: number;
let server: ArtifactServer;
let host: Host;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'upkeep-host-'));
  port = await freePort();
  server = await startArtifactServer();
  layHost(root, '1.0.0');
  host = openHost({ root, port });
  recordInstalled(host, '1.0.0', await sha256File(hostPaths(root).binary));
  await host.runtime.service.start();
});
afterEach(async () => {
  await host.runtime.service.stop().catch(() => undefined);
  host.close();
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

function publish(version: string, behaviour: ExporterBehaviour = 'healthy'): { url: string; sha256: string } {
  const release = releaseArchive(version, behaviour);
  server.serve(`/${version}.tar.gz`, { body: release.body, etag: `"${version}"` });
  return { url: server.url(`/${version}.tar.gz`), sha256: release.sha256 };
}

/**
 * Makes a folder unwritable for everyone, root included: chattr +i where the
 * tests run as root (root ignores mode bits), mode 0555 otherwise.
 */
async function lockFolder(path: string, locked: boolean): Promise<void> {
  if (process.getuid?.() !== 0) {
    chmodSync(path, locked ? 0o555 : 0o755);
    return;
  }
  const result = await execFileRunner(['chattr', locked ? '+i' : '-i', path]);
  if (result.exitCode !== 0) throw new Error(`chattr failed: ${describeResult(result)}`);
}

async function failureOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return isUpkeepError(error)
      ? { code: error.code, message: error.message }
      : { code: 'other', message: String(error) };
  }
  return { code: 'none', message: '' };
}

/** The old version still runs and is still the recorded one; the history's newest failure says why. */
async function expectOldVersionKept(why: RegExp): Promise<void> {
  expect(await servedVersion(port)).toBe('1.0.0');
  expect(host.installed.find(COMPONENT)?.version).toBe('1.0.0');
  expect(readFileSync(hostPaths(root).binary, 'utf8')).toContain('demo_exporter 1.0.0 (');
  const failure = host.history.list({ component: COMPONENT, limit: 10 }).find((record) => !record.success);
  expect(failure?.errorMessage).toMatch(why);
  expect(host.journal.unfinished()).toEqual([]);
}

describe('UpgradeExecutor on a host in a folder', () => {
  it('upgrades: new version serves, history has the downtime, a rollback point exists, metrics are written', async () => {
    const release = publish('1.1.0');
    const events: string[] = [];
    const executor = host.executor(undefined, (event, fields) => {
      events.push(event === 'upgrade_step' ? `step:${String(fields.step)}` : event);
    });
    const result = await executor.execute(host.plan('1.1.0', release.url, release.sha256));
    expect(await servedVersion(port)).toBe('1.1.0');
    expect(result.downtimeMs).toBeGreaterThan(0);
    expect(result.downtimeMs).toBeLessThan(10_000);
    expect(host.installed.find(COMPONENT)).toMatchObject({ version: '1.1.0', checksum: result.sha256 });
    const [record] = host.history.list({ component: COMPONENT });
    expect(record).toMatchObject({
      fromVersion: '1.0.0',
      toVersion: '1.1.0',
      success: true,
      downtimeMs: result.downtimeMs,
    });
    const point = host.rollbackPoints.latest(COMPONENT);
    expect(point.version).toBe('1.0.0');
    expect(readFileSync(point.binaryBackupPath, 'utf8')).toContain('demo_exporter 1.0.0 (');
    expect(readdirSync(hostPaths(root).work)).toEqual([]);
    const metricsDir = join(root, 'var/lib/node_exporter/textfile');
    await writeMetricsTextfile(metricsDir, collectMetrics(host.db, host.installed, host.points), new Date());
    const metrics = readFileSync(join(metricsDir, 'upkeep.prom'), 'utf8');
    expect(metrics).toContain(`upkeep_component_info{component="${COMPONENT}",version="1.1.0"} 1`);
    expect(metrics).toContain(`upkeep_upgrade_attempts_total{component="${COMPONENT}",result="success"} 1`);
    expect(events).toEqual([
      'upgrade_started',
      ...['download', 'verify', 'extract', 'rollback_point', 'stop', 'swap', 'start', 'health'].map(
        (s) => `step:${s}`,
      ),
      'upgrade_success',
    ]);
  });

  it('rolls back a version that fails its health check, and caps the retry loop', async () => {
    const release = publish('1.2.0', 'unhealthy');
    const failure = await failureOf(host.executor().execute(host.plan('1.2.0', release.url, release.sha256)));
    expect(failure.code).toBe('HEALTH_CHECK_FAILED');
    expect(failure.message).toContain('rolled back: 1.0.0 restored');
    await expectOldVersionKept(/^health: .*HTTP 500/);
    expect(host.history.list({ component: COMPONENT })[0]).toMatchObject({
      method: 'rollback',
      toVersion: '1.0.0',
      success: true,
    });
    expect(host.failed.find(COMPONENT, '1.2.0')).toMatchObject({ attempts: 1 });
  });

  it("rolls back a service that will not start, with the manager's output in the error", async () => {
    const release = publish('1.3.0', 'crash');
    const failure = await failureOf(host.executor().execute(host.plan('1.3.0', release.url, release.sha256)));
    expect(failure.code).toBe('SERVICE_FAILED');
    expect(failure.message).toContain('demo_exporter: fatal: cannot start');
    await expectOldVersionKept(/^start: /);
  });

  it('refuses a wrong checksum before touching the service', async () => {
    const release = publish('1.1.0');
    const failure = await failureOf(host.executor().execute(host.plan('1.1.0', release.url, 'f'.repeat(64))));
    expect(failure.code).toBe('CHECKSUM_MISMATCH');
    await expectOldVersionKept(/^verify: checksum mismatch/);
    expect(host.points.list(COMPONENT)).toEqual([]);
  });

  it('refuses an archive without the binary, and a hostile archive, before touching the service', async () => {
    const empty = gzipSync(rawTar([{ name: 'README', data: 'no binary here' }]));
    server.serve('/empty.tar.gz', { body: empty });
    const missing = await failureOf(
      host.executor().execute(
        host.plan('1.1.0', server.url('/empty.tar.gz'), null, {
          artifact: {
            ...host.plan('1.1.0', '', null).artifact,
            url: server.url('/empty.tar.gz'),
            expectedSha256: null,
            checksumRequired: false,
          },
        }),
      ),
    );
    expect(missing.code).toBe('BINARY_NOT_IN_ARCHIVE');
    await expectOldVersionKept(/^extract: the archive has no file/);

    const hostile = gzipSync(rawTar([{ name: '../../usr/local/bin/exporter', data: 'pwned' }]));
    server.serve('/hostile.tar.gz', { body: hostile });
    const plan = host.plan('1.1.0', server.url('/hostile.tar.gz'), null);
    const unsafe = await failureOf(
      host.executor().execute({ ...plan, artifact: { ...plan.artifact, checksumRequired: false } }),
    );
    expect(unsafe.code).toBe('ARCHIVE_UNSAFE');
    await expectOldVersionKept(/^extract: archive .* refused/);
  });

  it('installs unverified only when the policy says so, with a loud warning', async () => {
    const release = publish('1.1.0');
    const plan = host.plan('1.1.0', release.url, null);
    expect((await failureOf(host.executor().execute(plan))).code).toBe('CHECKSUM_NOT_FOUND');
    const result = await host
      .executor()
      .execute({ ...plan, artifact: { ...plan.artifact, checksumRequired: false } });
    expect(result.warnings[0]).toMatch(/^CHECKSUM NOT VERIFIED/);
    expect(await servedVersion(port)).toBe('1.1.0');
  });

  it('resumes a download cut mid-stream', async () => {
    const release = releaseArchive('1.1.0');
    const padded = Buffer.concat([release.body]);
    server.serve('/cut.tar.gz', { body: padded, etag: '"c"', cutAfter: [Math.floor(padded.length / 2)] });
    const result = await host
      .executor()
      .execute(host.plan('1.1.0', server.url('/cut.tar.gz'), release.sha256));
    expect(result.toVersion).toBe('1.1.0');
    expect(server.requests.filter((r) => r.path === '/cut.tar.gz').map((r) => r.range)).toEqual([
      undefined,
      expect.stringMatching(/^bytes=\d+-$/),
    ]);
  });

  it('stops with STATE_CORRUPT when the rollback point is corrupt, and never deletes the installed binary', async () => {
    const release = publish('1.2.0', 'unhealthy');
    const executor = host.executor({
      before: (step) => {
        if (step === 'start')
          writeFileSync(host.rollbackPoints.latest(COMPONENT).binaryBackupPath, 'bit rot');
      },
    });
    const failure = await failureOf(executor.execute(host.plan('1.2.0', release.url, release.sha256)));
    expect(failure.code).toBe('STATE_CORRUPT');
    expect(failure.message).toContain('rollback impossible');
    expect(readFileSync(hostPaths(root).binary, 'utf8')).toContain('demo_exporter 1.2.0 (');
    expect(host.journal.unfinished()).toHaveLength(1);
    const next = await failureOf(host.executor().execute(host.plan('1.2.0', release.url, release.sha256)));
    expect(next.code).toBe('OPERATION_IN_PROGRESS');
  });

  it('restores after an unwritable target folder without failing the same way', async () => {
    const release = publish('1.1.0');
    const bin = dirname(hostPaths(root).binary);
    // Immutable, so that even root cannot create the temp file beside the binary.
    await lockFolder(bin, true);
    try {
      const failure = await failureOf(
        host.executor().execute(host.plan('1.1.0', release.url, release.sha256)),
      );
      expect(failure.code).toBe('PERMISSION_DENIED');
      expect(failure.message).toContain(hostPaths(root).binary);
      await expectOldVersionKept(/^swap: cannot replace/);
    } finally {
      await lockFolder(bin, false);
    }
  });

  it('does a first install, and removes a first install that fails', async () => {
    await host.runtime.service.stop();
    host.installed.remove(COMPONENT);
    rmSync(hostPaths(root).binary);
    const broken = publish('2.0.0', 'unhealthy');
    expect(
      (await failureOf(host.executor().execute(host.plan('2.0.0', broken.url, broken.sha256)))).code,
    ).toBe('HEALTH_CHECK_FAILED');
    expect(existsSync(hostPaths(root).binary)).toBe(false);
    expect(host.installed.find(COMPONENT)).toBeNull();
    const good = publish('2.0.1');
    const result = await host.executor().execute(host.plan('2.0.1', good.url, good.sha256));
    expect(result).toMatchObject({ fromVersion: null, rollbackPointId: null });
    expect(await servedVersion(port)).toBe('2.0.1');
  });

  it('leaves a failed version in place with --no-rollback, and says so', async () => {
    const release = publish('1.2.0', 'unhealthy');
    const plan = { ...host.plan('1.2.0', release.url, release.sha256), autoRollback: false };
    expect((await failureOf(host.executor().execute(plan))).code).toBe('HEALTH_CHECK_FAILED');
    expect(await servedVersion(port)).toBe('1.2.0');
    expect(host.history.list({ component: COMPONENT })[0]?.errorMessage).toContain('--no-rollback');
    expect(host.journal.unfinished()).toEqual([]);
  });

  it('rolls back by hand to the newest rollback point, and refuses a corrupt one without changing anything', async () => {
    const release = publish('1.1.0');
    await host.executor().execute(host.plan('1.1.0', release.url, release.sha256));
    const point = host.rollbackPoints.latest(COMPONENT);
    const saved = readFileSync(point.binaryBackupPath);
    writeFileSync(point.binaryBackupPath, 'bit rot');
    const corrupt = await failureOf(rollbackToPoint(host.rollbackDeps(), host.runtime, null));
    expect(corrupt.code).toBe('STATE_CORRUPT');
    expect(await servedVersion(port)).toBe('1.1.0');
    writeFileSync(point.binaryBackupPath, saved);
    const result = await rollbackToPoint(host.rollbackDeps(), host.runtime, point.id);
    expect(result).toMatchObject({ fromVersion: '1.1.0', toVersion: '1.0.0' });
    expect(await servedVersion(port)).toBe('1.0.0');
    expect(host.installed.find(COMPONENT)).toMatchObject({ version: '1.0.0', installMethod: 'rollback' });
    expect(host.history.list({ component: COMPONENT })[0]).toMatchObject({
      method: 'rollback',
      errorMessage: 'manual rollback',
    });
    expect(host.journal.unfinished()).toEqual([]);
  });

  it('verifies a detached signature against the pinned keys before installing', async () => {
    const release = releaseArchive('1.1.0');
    server.serve('/signed.tar.gz', { body: release.body });
    const publisher = await generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ name: 'Publisher' }],
      format: 'armored',
    });
    const stranger = await generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ name: 'Stranger' }],
      format: 'armored',
    });
    const signWith = async (armoredKey: string): Promise<string> => {
      const signature: unknown = await sign({
        message: await createMessage({ binary: new Uint8Array(release.body) }),
        signingKeys: await readPrivateKey({ armoredKey }),
        detached: true,
        format: 'armored',
      });
      return String(signature);
    };
    server.serve('/signed.tar.gz.asc', { body: Buffer.from(await signWith(stranger.privateKey)) });
    const plan = host.plan('1.1.0', server.url('/signed.tar.gz'), release.sha256);
    const signed = {
      ...plan,
      artifact: {
        ...plan.artifact,
        signature: { url: server.url('/signed.tar.gz.asc'), armoredPublicKeys: [publisher.publicKey] },
      },
    };
    const refused = await failureOf(host.executor().execute(signed));
    expect(refused.code).toBe('SIGNATURE_INVALID');
    await expectOldVersionKept(/^verify: signature of .* is not valid/);

    server.serve('/signed.tar.gz.asc', { body: Buffer.from(await signWith(publisher.privateKey)) });
    expect((await host.executor().execute(signed)).toVersion).toBe('1.1.0');
    expect(await servedVersion(port)).toBe('1.1.0');
  });
});
