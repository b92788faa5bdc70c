/**
 * (b) and (c): the agent's download + verify of a large artifact served on
 * loopback, against `curl -o` + `sha256sum` of the same file from the same
 * server, runs interleaved so both see the same machine; and the agent's peak
 * RSS during those downloads, for two artifact sizes.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DownloadReport, DownloadSpec } from './download-verify-process.ts';

const SERVER = fileURLToPath(new URL('./artifact-server-process.ts', import.meta.url));
const DOWNLOADER = fileURLToPath(new URL('./download-verify-process.ts', import.meta.url));
export const MiB = 1024 * 1024;

export interface Artifact {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface AgentRun extends DownloadReport {
  /** Wall time of the whole process: Node start-up and module loading included. */
  readonly processMs: number;
}

export interface CurlRun {
  readonly ms: number;
  readonly curlMs: number;
  readonly sha256sumMs: number;
}

/** Writes `mib` MiB of incompressible bytes to `<dir>/<name>` and returns its sha256. */
export function writeArtifact(dir: string, name: string, mib: number): Artifact {
  const block = randomBytes(MiB);
  const hash = createHash('sha256');
  const fd = openSync(join(dir, name), 'w');
  try {
    for (let i = 0; i < mib; i += 1) {
      block.writeUInt32LE(i, 0); // no two blocks alike
      hash.update(block);
      writeSync(fd, block);
    }
  } finally {
    closeSync(fd);
  }
  return { name, bytes: mib * MiB, sha256: hash.digest('hex') };
}

export interface ArtifactServerProcess {
  readonly url: (name: string) => string;
  readonly close: () => Promise<void>;
}

/** The loopback file server in a child process of its own. */
export async function startServerProcess(dir: string): Promise<ArtifactServerProcess> {
  const child: ChildProcess = fork(SERVER, [dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => {
      resolve(message.port);
    });
    child.once('exit', (code) => {
      reject(new Error(`artifact server exited with ${String(code)}`));
    });
  });
  return {
    url: (name) => `http://127.0.0.1:${String(port)}/${name}`,
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => {
          resolve();
        });
        child.disconnect();
      }),
  };
}

function run(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${file} ${args.join(' ')}: ${error.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The agent's download + verify in a fresh process; throws unless the checksum matched. */
export async function agentDownload(
  url: string,
  destination: string,
  artifact: Artifact,
  client: DownloadSpec['client'] = 'default',
): Promise<AgentRun> {
  const spec: DownloadSpec = { url, destination, expectedSha256: artifact.sha256, client };
  const started = performance.now();
  const stdout = await run(process.execPath, [DOWNLOADER, JSON.stringify(spec)]);
  const processMs = performance.now() - started;
  rmSync(destination, { force: true });
  const report = JSON.parse(stdout) as DownloadReport;
  if (report.bytes !== artifact.bytes) throw new Error(`agent downloaded ${String(report.bytes)} bytes`);
  return { ...report, processMs };
}

/** `curl -o` then `sha256sum` of the same file; throws unless the sum matches. */
export async function curlDownload(url: string, destination: string, artifact: Artifact): Promise<CurlRun> {
  const started = performance.now();
  await run('curl', ['--silent', '--show-error', '--fail', '--output', destination, url]);
  const downloaded = performance.now();
  const sum = (await run('sha256sum', [destination])).split(/\s/)[0];
  const finished = performance.now();
  rmSync(destination, { force: true });
  if (sum !== artifact.sha256)
    throw new Error(`curl + sha256sum: checksum ${String(sum)} is not ${artifact.sha256}`);
  return { ms: finished - started, curlMs: downloaded - started, sha256sumMs: finished - downloaded };
}

export interface ThroughputFigures {
  readonly large: Artifact;
  readonly small: Artifact;
  readonly agentLarge: AgentRun[];
  readonly curlLarge: CurlRun[];
  readonly agentSmall: AgentRun[];
  /** One run per size through node:http instead of the agent's streaming client: what it replaced. */
  readonly nodeHttpLarge: AgentRun;
  readonly nodeHttpSmall: AgentRun;
}

/**
 * `runs` interleaved pairs (curl, agent) on the large artifact, then `runs`
 * agent downloads of the small one, then one of each through node:http.
 */
export async function runThroughputBench(
  dir: string,
  sizes: { readonly largeMiB: number; readonly smallMiB: number },
  runs: number,
  log: (line: string) => void,
): Promise<ThroughputFigures> {
  const served = join(dir, 'served');
  const out = join(dir, 'downloads');
  mkdirSync(served, { recursive: true });
  mkdirSync(out, { recursive: true });
  log(`writing ${String(sizes.largeMiB)} MiB and ${String(sizes.smallMiB)} MiB artifacts`);
  const large = writeArtifact(served, `large-${String(sizes.largeMiB)}.bin`, sizes.largeMiB);
  const small = writeArtifact(served, `small-${String(sizes.smallMiB)}.bin`, sizes.smallMiB);
  const server = await startServerProcess(served);
  try {
    // One unmeasured pass of each warms the page cache and the binaries.
    await curlDownload(server.url(large.name), join(out, 'warm'), large);
    await agentDownload(server.url(large.name), join(out, 'warm'), large);
    const agentLarge: AgentRun[] = [];
    const curlLarge: CurlRun[] = [];
    for (let i = 0; i < runs; i += 1) {
      // Alternate who goes first, so neither always runs right after the other's disk writes.
      const curlFirst = i % 2 === 0;
      if (curlFirst) curlLarge.push(await curlDownload(server.url(large.name), join(out, 'curl'), large));
      agentLarge.push(await agentDownload(server.url(large.name), join(out, 'agent'), large));
      if (!curlFirst) curlLarge.push(await curlDownload(server.url(large.name), join(out, 'curl'), large));
      log(
        `  run ${String(i + 1)}/${String(runs)}: curl+sha256sum ${curlLarge.at(-1)!.ms.toFixed(0)} ms, agent ${agentLarge.at(-1)!.ms.toFixed(0)} ms, agent peak RSS ${agentLarge.at(-1)!.peakRssMiB.toFixed(1)} MiB`,
      );
    }
    const agentSmall: AgentRun[] = [];
    for (let i = 0; i < runs; i += 1) {
      agentSmall.push(await agentDownload(server.url(small.name), join(out, 'agent-small'), small));
    }
    const nodeHttpSmall = await agentDownload(
      server.url(small.name),
      join(out, 'node-http'),
      small,
      'node-http',
    );
    const nodeHttpLarge = await agentDownload(
      server.url(large.name),
      join(out, 'node-http'),
      large,
      'node-http',
    );
    return { large, small, agentLarge, curlLarge, agentSmall, nodeHttpLarge, nodeHttpSmall };
  } finally {
    await server.close();
  }
}
