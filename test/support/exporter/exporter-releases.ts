import { randomBytes } from 'node:crypto';
import {
  checksumFile,
  sha256Hex,
  tarGz,
  type ArchiveEntry,
  type UpstreamRelease,
} from '../upstream/index.ts';
import { exporterProgram, type ExporterBehaviour } from './exporter-program.ts';

/** Ways a published release can be broken on purpose, for the agent's refusal paths. */
export type ReleaseFault =
  /** sha256sums.txt lists another hash for the archive. */
  | 'wrong-checksum'
  /** The archive lacks the binary the config points at. */
  | 'missing-binary'
  /** An entry climbs out of the extraction folder (`../../`). */
  | 'traversal'
  /** A symlink pointing out of the folder, then a file written through it. */
  | 'symlink-escape'
  /** No checksum file is published. */
  | 'no-checksum';

export interface ExporterReleaseSpec {
  readonly version: string;
  readonly behaviour?: ExporterBehaviour;
  readonly notes?: string;
  readonly published_at?: string;
  readonly fault?: ReleaseFault;
  /**
   * Bytes of random text appended to the binary as a comment: makes the binary
   * and its archive that large (random data does not compress much), for full-disk tests.
   */
  readonly padBytes?: number;
}

/** The asset name the demo config's `archive_pattern` matches. */
export function exporterAssetName(version: string): string {
  return `demo_exporter-${version}.linux-amd64.tar.gz`;
}

/**
 * A demo_exporter release as GitHub would publish it: a real tar.gz holding
 * `demo_exporter-<v>.linux-amd64/demo_exporter` (+ LICENSE), and a
 * `sha256sums.txt` listing it. `interpreter` is the binary's shebang.
 */
export function exporterRelease(spec: ExporterReleaseSpec, interpreter: string): UpstreamRelease {
  const folder = `demo_exporter-${spec.version}.linux-amd64`;
  const program =
    exporterProgram(spec.version, spec.behaviour ?? 'healthy', { interpreter }) +
    (spec.padBytes === undefined
      ? ''
      : `// padding: ${randomBytes(Math.ceil((spec.padBytes * 3) / 4))
          .toString('base64')
          .slice(0, spec.padBytes)}\n`);
  const entries: ArchiveEntry[] = [{ path: `${folder}/`, type: 'directory' }];
  switch (spec.fault) {
    case 'missing-binary':
      entries.push({ path: `${folder}/README.md`, content: 'no binary here\n', mode: 0o644 });
      break;
    case 'traversal':
      entries.push({ path: `${folder}/../../../../etc/evil`, content: 'owned\n' });
      entries.push({ path: `${folder}/demo_exporter`, content: program });
      break;
    case 'symlink-escape':
      entries.push({ path: `${folder}/lib`, type: 'symlink', target: '/tmp' });
      entries.push({ path: `${folder}/lib/evil`, content: 'owned\n' });
      entries.push({ path: `${folder}/demo_exporter`, content: program });
      break;
    case 'wrong-checksum':
    case 'no-checksum':
    case undefined:
      entries.push({ path: `${folder}/demo_exporter`, content: program });
      break;
  }
  entries.push({ path: `${folder}/LICENSE`, content: 'Apache-2.0\n', mode: 0o644 });
  const archive = tarGz(entries);
  const name = exporterAssetName(spec.version);
  const sums =
    spec.fault === 'wrong-checksum'
      ? `${sha256Hex(`not ${spec.version}`)}  ${name}\n`
      : checksumFile([{ name, content: archive }]);
  return {
    tag: `v${spec.version}`,
    name: `demo_exporter ${spec.version}`,
    body: spec.notes ?? `demo_exporter ${spec.version}`,
    ...(spec.published_at === undefined ? {} : { published_at: spec.published_at }),
    assets: [
      { name, content: archive, contentType: 'application/gzip' },
      ...(spec.fault === 'no-checksum' ? [] : [{ name: 'sha256sums.txt', content: sums }]),
    ],
  };
}
