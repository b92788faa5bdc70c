import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { checksumFor, parseChecksumFile } from './checksum-file.ts';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'C'.repeat(64);

describe('parseChecksumFile', () => {
  it('reads GNU text and binary mode, BSD tags, CRLF and a leading ./', () => {
    const parsed = parseChecksumFile(
      `${A}  tool-linux-amd64.tar.gz\r\n${B} *tool-linux-arm64.tar.gz\nSHA256 (tool.zip) = ${C}\n${A}  ./other.tar.gz\n# comment\n\n`,
    );
    expect(parsed.entries).toEqual([
      { name: 'tool-linux-amd64.tar.gz', sha256: A },
      { name: 'tool-linux-arm64.tar.gz', sha256: B },
      { name: 'tool.zip', sha256: C.toLowerCase() },
      { name: 'other.tar.gz', sha256: A },
    ]);
  });

  it('unescapes coreutils names with backslashes and ignores other hash lengths', () => {
    const parsed = parseChecksumFile(`\\${A}  odd\\nname\n${'d'.repeat(128)}  sha512-only.tar.gz\n`);
    expect(parsed.entries).toEqual([{ name: 'odd\nname', sha256: A }]);
  });

  it('keeps a lone hash for per-asset files', () => {
    expect(parseChecksumFile(`${B}\n`)).toEqual({ entries: [], bare: B });
  });
});

describe('checksumFor', () => {
  const file = parseChecksumFile(
    `${A}  tool-1.0.0.linux-amd64.tar.gz.sbom\n${B}  tool-1.0.0.linux-amd64.tar.gz\n${C}  xtool-1.0.0.linux-amd64.tar.gz\n`,
  );

  it('matches the exact file name, not a longer or shorter one', () => {
    expect(
      checksumFor(file, 'tool-1.0.0.linux-amd64.tar.gz', { name: 'sha256sums.txt', perAsset: false }),
    ).toBe(B);
  });

  it('says CHECKSUM_NOT_FOUND and lists the names when the asset is absent', () => {
    try {
      checksumFor(file, 'tool-1.0.0.linux-arm64.tar.gz', { name: 'sha256sums.txt', perAsset: false });
      expect.unreachable();
    } catch (error) {
      expect(isUpkeepError(error) && error.code).toBe('CHECKSUM_NOT_FOUND');
      expect((error as Error).message).toContain(
        'sha256sums.txt has no entry for tool-1.0.0.linux-arm64.tar.gz',
      );
    }
  });

  it('refuses a file naming the asset twice with different hashes', () => {
    const twice = parseChecksumFile(`${A}  t.tar.gz\n${B}  t.tar.gz\n`);
    expect(() => checksumFor(twice, 't.tar.gz', { name: 'SHA256SUMS', perAsset: false })).toThrow(
      /2 different hashes/,
    );
  });

  it('takes a lone hash only from a file named for the asset', () => {
    const bare = parseChecksumFile(A);
    expect(checksumFor(bare, 't.tar.gz', { name: 't.tar.gz.sha256', perAsset: true })).toBe(A);
    expect(() => checksumFor(bare, 't.tar.gz', { name: 'SHA256SUMS', perAsset: false })).toThrow(/no entry/);
  });
});
