import { checksumFile, tarGz, type UpstreamRelease } from '../../../../test/support/upstream/index.ts';

/** The archive a fixture release of node_exporter ships for linux-amd64. */
export function nodeExporterArchive(version: string): Buffer {
  return tarGz([
    { path: `node_exporter-${version}.linux-amd64/node_exporter`, content: `#!/bin/sh\necho ${version}\n` },
  ]);
}

/** A GitHub release of node_exporter with its archive and a matching sha256sums.txt. */
export function nodeExporterRelease(
  version: string,
  published: string,
  options: { readonly tampered?: boolean } = {},
): UpstreamRelease {
  const name = `node_exporter-${version}.linux-amd64.tar.gz`;
  const archive = nodeExporterArchive(version);
  const served = options.tampered === true ? Buffer.concat([archive, Buffer.from('tampered')]) : archive;
  return {
    tag: `v${version}`,
    published_at: published,
    assets: [
      { name, content: served },
      { name: 'sha256sums.txt', content: checksumFile([{ name, content: archive }]) },
    ],
  };
}

/** versions.yaml pointing every API at the local upstream; `prod` pins node_exporter 1.7.0. */
export function fixturePolicyYaml(upstreamUrl: string): string {
  return `global:
  github_api:
    base_url: ${upstreamUrl}
  advisories:
    osv_url: ${upstreamUrl}
components:
  node_exporter:
    strategy: latest
    github_repo: prometheus/node_exporter
    advisories:
      ecosystem: Go
      package: github.com/prometheus/node_exporter
    download:
      archive_pattern: "node_exporter-{VERSION}.linux-{ARCH}.tar.gz"
      checksum_file: sha256sums.txt
environments:
  prod:
    component_overrides:
      node_exporter:
        strategy: pinned
        version: "1.7.0"
`;
}
