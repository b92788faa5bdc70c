import { UpkeepError } from '@upkeep/errors';

export interface ChecksumEntry {
  readonly name: string;
  readonly sha256: string;
}

/** What a checksum file holds: named entries, and a lone hash (a per-asset `.sha256` file). */
export interface ParsedChecksumFile {
  readonly entries: readonly ChecksumEntry[];
  readonly bare: string | undefined;
}

const GNU = /^(\\?)([0-9a-fA-F]{64}) [ *]?(.+)$/;
const BSD = /^SHA256 ?\((.+)\) ?= ?([0-9a-fA-F]{64})$/;
const BARE = /^([0-9a-fA-F]{64})$/;

function unescapeGnu(name: string): string {
  return name.replace(/\\(\\|n|r)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'));
}

/**
 * Reads SHA-256 checksum files in the formats releases use: GNU `hash  name` (text mode),
 * `hash *name` (binary mode), with coreutils' backslash escaping, BSD/`shasum --tag`
 * `SHA256 (name) = hash`, and a file holding only a hash. Lines in other formats (other hash
 * lengths, comments) are ignored. A leading `./` is dropped from names.
 */
export function parseChecksumFile(text: string): ParsedChecksumFile {
  const entries: ChecksumEntry[] = [];
  let bare: string | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    const bsd = BSD.exec(line);
    if (bsd?.[1] !== undefined && bsd[2] !== undefined) {
      entries.push({ name: bsd[1].replace(/^\.\//, ''), sha256: bsd[2].toLowerCase() });
      continue;
    }
    const gnu = GNU.exec(line);
    if (gnu?.[2] !== undefined && gnu[3] !== undefined) {
      const name = gnu[1] === '\\' ? unescapeGnu(gnu[3]) : gnu[3];
      entries.push({ name: name.replace(/^\.\//, ''), sha256: gnu[2].toLowerCase() });
      continue;
    }
    const only = BARE.exec(line.trim());
    if (only?.[1] !== undefined) bare = only[1].toLowerCase();
  }
  return { entries, bare };
}

/**
 * The hash a checksum file gives for `assetName`, matched by exact file name (never a
 * substring: `x.tar.gz` does not match `x.tar.gz.sbom`). A per-asset file's lone hash
 * counts when the file is named for the asset.
 * @throws UpkeepError CHECKSUM_NOT_FOUND when the file does not name the asset, or
 *   UPSTREAM_INVALID_RESPONSE when it names it twice with different hashes.
 */
export function checksumFor(
  parsed: ParsedChecksumFile,
  assetName: string,
  file: { readonly name: string; readonly perAsset: boolean },
): string {
  const hashes = [...new Set(parsed.entries.filter((e) => e.name === assetName).map((e) => e.sha256))];
  if (hashes.length > 1) {
    throw new UpkeepError(
      'UPSTREAM_INVALID_RESPONSE',
      `checksum file ${file.name} gives ${hashes.length} different hashes for ${assetName}`,
      {
        details: { file: file.name, asset: assetName },
        hint: 'the release is inconsistent; do not install it',
      },
    );
  }
  const found = hashes[0] ?? (file.perAsset && parsed.entries.length === 0 ? parsed.bare : undefined);
  if (found !== undefined) return found;
  const listed = parsed.entries.map((e) => e.name);
  throw new UpkeepError(
    'CHECKSUM_NOT_FOUND',
    `checksum file ${file.name} has no entry for ${assetName}` +
      (listed.length === 0
        ? ' (it lists no files)'
        : `; it lists ${listed.slice(0, 8).join(', ')}${listed.length > 8 ? ', …' : ''}`),
    {
      details: { file: file.name, asset: assetName, listed: listed.slice(0, 50) },
      hint: 'check download.checksum_file names the file that covers this asset',
    },
  );
}
