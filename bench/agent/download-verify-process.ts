/**
 * The agent's download + verify and nothing else, in a process of its own so
 * its peak RSS is the agent's: loads the agent's entry module (everything the
 * command line can reach), then downloads one artifact with downloadArtifact
 * (sha256 while streaming, fsync, rename) and checks it with verifyChecksum.
 * Usage: node download-verify-process.ts '<json DownloadSpec>'; prints one JSON
 * line (DownloadReport). Peak RSS is VmHWM from /proc/self/status.
 */
import { readFileSync } from 'node:fs';
import { downloadArtifact, nodeHttpClient, verifyChecksum } from '../../apps/agent/src/index.ts';
import { peakRssMiB } from './stats.ts';

export interface DownloadSpec {
  readonly url: string;
  readonly destination: string;
  readonly expectedSha256: string;
  /** `node-http`: the agent's node:http client instead of its default, for comparison. */
  readonly client?: 'default' | 'node-http';
}

export interface DownloadReport {
  readonly ms: number;
  readonly bytes: number;
  /** VmHWM with the agent loaded, before the download. */
  readonly loadedRssMiB: number;
  /** VmHWM after the download and the checksum verification. */
  readonly peakRssMiB: number;
  readonly attempts: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as DownloadSpec;
const status = (): string => readFileSync('/proc/self/status', 'utf8');
const loadedRssMiB = peakRssMiB(status());
const started = performance.now();
const result = await downloadArtifact(
  { url: spec.url, destination: spec.destination, maxBytes: 4 * 1024 * 1024 * 1024 },
  spec.client === 'node-http' ? { http: nodeHttpClient } : {},
);
verifyChecksum({
  artifact: spec.destination,
  actualSha256: result.sha256,
  expectedSha256: spec.expectedSha256,
  required: true,
});
const ms = performance.now() - started;
const report: DownloadReport = {
  ms,
  bytes: result.size,
  loadedRssMiB,
  peakRssMiB: peakRssMiB(status()),
  attempts: result.attempts,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
