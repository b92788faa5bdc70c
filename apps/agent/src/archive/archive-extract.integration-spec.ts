import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { extractArtifact, locateBinary } from './archive-extract.repository.ts';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits, type ArchiveType } from './archive-limits.ts';
import {
  paxRecord,
  rawTar,
  rawXz,
  rawZip,
  type RawTarEntry,
  type RawZipEntry,
} from './archive-writer.fixture.ts';

let base: string;
let work: string;
let outside: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'upkeep-archive-'));
  work = join(base, 'work');
  outside = join(base, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'sentinel'), 'untouched');
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

function write(name: string, content: Buffer): string {
  const path = join(base, name);
  writeFileSync(path, content);
  return path;
}

async function extract(path: string, type: ArchiveType, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS) {
  return extractArtifact({ archivePath: path, archiveType: type, workDir: work, limits });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isUpkeepError(error) ? `${error.code}: ${error.message}` : `not an UpkeepError: ${String(error)}`;
  }
  return 'accepted';
}

/** Nothing escaped, and the refused extraction left no folder behind. */
function expectNothingWritten(): void {
  expect(readdirSync(outside)).toEqual(['sentinel']);
  expect(readFileSync(join(outside, 'sentinel'), 'utf8')).toBe('untouched');
  expect(readdirSync(work)).toEqual([]);
}

const BINARY = '#!/bin/sh\necho "node_exporter, version 1.7.0"\n';
const goodTar = (): RawTarEntry[] => [
  { name: 'node_exporter-1.7.0.linux-amd64/', type: '5' },
  { name: 'node_exporter-1.7.0.linux-amd64/node_exporter', mode: 0o755, data: BINARY },
  { name: 'node_exporter-1.7.0.linux-amd64/LICENSE', data: 'Apache 2.0' },
];

describe('extractArtifact: well-formed artifacts', () => {
  it.each([
    ['tar.gz', (t: Buffer) => gzipSync(t)],
    ['tar.xz', (t: Buffer) => rawXz(t)],
    ['tar', (t: Buffer) => t],
  ] as const)('unpacks a %s and finds binary_path_in_archive', async (type, pack) => {
    const tree = await extract(write(`a.${type}`, pack(rawTar(goodTar()))), type);
    expect(tree.files).toEqual([
      'node_exporter-1.7.0.linux-amd64/LICENSE',
      'node_exporter-1.7.0.linux-amd64/node_exporter',
    ]);
    const binary = locateBinary(tree, {
      binaryPathInArchive: './node_exporter-1.7.0.linux-amd64/node_exporter',
    });
    expect(readFileSync(binary, 'utf8')).toBe(BINARY);
    expect(statSync(binary).mode & 0o777).toBe(0o755);
  });

  it('unpacks a zip and finds binary_name anywhere in it', async () => {
    const zip = rawZip([
      { name: 'dist/', unixMode: 0o040755 },
      { name: 'dist/promtail-linux-amd64', data: BINARY, unixMode: 0o100755 },
      { name: 'README.md', data: 'hello', method: 0 },
    ]);
    const tree = await extract(write('p.zip', zip), 'zip');
    expect(tree.files).toEqual(['README.md', 'dist/promtail-linux-amd64']);
    const binary = locateBinary(tree, { binaryName: 'promtail-linux-amd64' });
    expect(readFileSync(binary, 'utf8')).toBe(BINARY);
    expect(statSync(binary).mode & 0o111).not.toBe(0);
  });

  it('places a bare binary under its binary_name', async () => {
    const tree = await extractArtifact({
      archivePath: write('download.bin', Buffer.from(BINARY)),
      archiveType: 'binary',
      workDir: work,
      binaryName: 'loki',
    });
    expect(tree.files).toEqual(['loki']);
    expect(readFileSync(locateBinary(tree, { binaryName: 'loki' }), 'utf8')).toBe(BINARY);
  });

  it('extracts every archive into its own fresh folder', async () => {
    const path = write('a.tar.gz', gzipSync(rawTar(goodTar())));
    const first = await extract(path, 'tar.gz');
    const second = await extract(path, 'tar.gz');
    expect(first.root).not.toBe(second.root);
  });

  it('never takes ownership from the archive', async () => {
    const tree = await extract(
      write('o.tar', rawTar([{ name: 'bin', uid: 4242, gid: 4343, data: 'x' }])),
      'tar',
    );
    const info = statSync(join(tree.root, 'bin'));
    expect(info.uid).toBe(process.getuid?.());
    expect(info.gid).toBe(process.getgid?.());
  });

  it('says which files the archive has when the binary is missing, or ambiguous', async () => {
    const tree = await extract(write('a.tar', rawTar(goodTar())), 'tar');
    expect(
      await refusal(
        Promise.resolve().then(() => locateBinary(tree, { binaryPathInArchive: 'node_exporter' })),
      ),
    ).toMatch(/^BINARY_NOT_IN_ARCHIVE: the archive has no file node_exporter/);
    expect(
      await refusal(Promise.resolve().then(() => locateBinary(tree, { binaryName: 'promtail' }))),
    ).toMatch(/^BINARY_NOT_IN_ARCHIVE/);
    const twice = await extract(
      write(
        'b.tar',
        rawTar([
          { name: 'a/tool', data: '1' },
          { name: 'b/tool', data: '2' },
        ]),
      ),
      'tar',
    );
    expect(await refusal(Promise.resolve().then(() => locateBinary(twice, { binaryName: 'tool' })))).toMatch(
      /has 2 files named tool/,
    );
  });

  it('reports a damaged or mislabelled archive as ARCHIVE_INVALID', async () => {
    const good = gzipSync(rawTar(goodTar()));
    expect(await refusal(extract(write('t.tar.gz', good.subarray(0, good.length - 40)), 'tar.gz'))).toMatch(
      /^ARCHIVE_INVALID/,
    );
    expect(await refusal(extract(write('n.tar.xz', good), 'tar.xz'))).toMatch(/^ARCHIVE_INVALID/);
    expect(await refusal(extract(write('n.zip', good), 'zip'))).toMatch(/^ARCHIVE_INVALID/);
    expect(readdirSync(work)).toEqual([]);
  });
});

describe('extractArtifact: hostile tar archives', () => {
  const outsideLink = (): string => outside;
  const cases: [string, () => RawTarEntry[]][] = [
    ['path traversal ../', () => [{ name: '../outside/pwned', data: 'x' }]],
    ['nested traversal a/../../', () => [{ name: 'a/../../outside/pwned', data: 'x' }]],
    ['absolute path', () => [{ name: `${outside}/pwned`, data: 'x' }]],
    ['Windows drive path C:\\', () => [{ name: 'C:\\outside\\pwned', data: 'x' }]],
    ['drive-relative path C:.. (CVE-2021-37713)', () => [{ name: 'C:../outside/pwned', data: 'x' }]],
    ['backslash traversal', () => [{ name: '..\\outside\\pwned', data: 'x' }]],
    [
      'symlink out, then a file through it (CVE-2021-32803)',
      () => [
        { name: 'link', type: '2', linkname: outsideLink() },
        { name: 'link/pwned', data: 'x' },
      ],
    ],
    [
      'symlink pointing inside',
      () => [
        { name: 'bin', data: 'x' },
        { name: 'alias', type: '2', linkname: 'bin' },
      ],
    ],
    [
      'folder replaced by a symlink of the same name (CVE-2021-37701)',
      () => [
        { name: 'x/', type: '5' },
        { name: 'x', type: '2', linkname: outsideLink() },
        { name: 'x/pwned', data: 'x' },
      ],
    ],
    [
      'symlink and folder differing only in Unicode normalisation (CVE-2021-37712)',
      () => [
        { name: 'cafe\u0301', type: '2', linkname: outsideLink() },
        { name: 'caf\u00e9/pwned', data: 'x' },
      ],
    ],
    [
      'hard link to a file outside (CVE-2021-32804 shape)',
      () => [{ name: 'hl', type: '1', linkname: `${outside}/sentinel` }],
    ],
    [
      'hard link inside',
      () => [
        { name: 'bin', data: 'x' },
        { name: 'hl', type: '1', linkname: 'bin' },
      ],
    ],
    ['character device', () => [{ name: 'null', type: '3' }]],
    ['block device', () => [{ name: 'sda', type: '4' }]],
    ['FIFO', () => [{ name: 'pipe', type: '6' }]],
    ['setuid binary', () => [{ name: 'bin', mode: 0o4755, data: 'x' }]],
    ['setgid binary', () => [{ name: 'bin', mode: 0o2755, data: 'x' }]],
    ['sticky folder', () => [{ name: 'tmp/', type: '5', mode: 0o1777 }]],
    [
      'pax header renaming an entry to ../',
      () => [
        { name: 'PaxHeader', type: 'x', data: paxRecord('path', '../outside/pwned') },
        { name: 'innocent', data: 'x' },
      ],
    ],
    [
      'GNU long name climbing out',
      () => [
        { name: '././@LongLink', type: 'L', data: '../../outside/pwned\0' },
        { name: 'innocent', data: 'x' },
      ],
    ],
    [
      'the same file twice',
      () => [
        { name: 'bin', data: 'good' },
        { name: 'bin', data: 'evil' },
      ],
    ],
    [
      'a file used as a folder',
      () => [
        { name: 'a', data: 'x' },
        { name: 'a/b', data: 'y' },
      ],
    ],
    ['a control character in a name', () => [{ name: 'bin\r', data: 'x' }]],
  ];

  it.each(cases)('refuses %s', async (_name, entries) => {
    const result = await refusal(extract(write('h.tar.gz', gzipSync(rawTar(entries()))), 'tar.gz'));
    expect(result).toMatch(/^ARCHIVE_UNSAFE: /);
    expectNothingWritten();
  });

  it('refuses folders nested past maxDepth (CVE-2024-28863)', async () => {
    const deep = Array.from({ length: 40 }, (_, i) => `d${String(i)}`).join('/');
    const entries: RawTarEntry[] = [
      { name: 'PaxHeader', type: 'x', data: paxRecord('path', `${deep}/f`) },
      { name: 'f', data: 'x' },
    ];
    const result = await refusal(extract(write('deep.tar', rawTar(entries)), 'tar'));
    expect(result).toMatch(/^ARCHIVE_UNSAFE: .*folders deep/);
    expectNothingWritten();
  });

  it('refuses more entries than the limit', async () => {
    const entries = Array.from({ length: 20 }, (_, i) => ({ name: `f${String(i)}`, data: 'x' }));
    const result = await refusal(
      extract(write('many.tar', rawTar(entries)), 'tar', { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 10 }),
    );
    expect(result).toMatch(/more than 10 entries/);
    expectNothingWritten();
  });

  it('refuses an entry or a total past the byte limits', async () => {
    const big = rawTar([{ name: 'a', data: Buffer.alloc(4096) }]);
    expect(
      await refusal(extract(write('b.tar', big), 'tar', { ...DEFAULT_ARCHIVE_LIMITS, maxEntryBytes: 4095 })),
    ).toMatch(/expands to 4096 bytes/);
    const two = rawTar([
      { name: 'a', data: Buffer.alloc(3000) },
      { name: 'b', data: Buffer.alloc(3000) },
    ]);
    expect(
      await refusal(extract(write('t.tar', two), 'tar', { ...DEFAULT_ARCHIVE_LIMITS, maxTotalBytes: 5000 })),
    ).toMatch(/expands past 5000 bytes/);
    expectNothingWritten();
  });

  it('refuses a gzip bomb by its compression ratio before it fills the disk', async () => {
    const bomb = gzipSync(rawTar([{ name: 'zeros', data: Buffer.alloc(64 * 1024 * 1024) }]));
    const limits = { ...DEFAULT_ARCHIVE_LIMITS, maxCompressionRatio: 50, ratioGraceBytes: 1024 * 1024 };
    const result = await refusal(extract(write('bomb.tar.gz', bomb), 'tar.gz', limits));
    expect(result).toMatch(/^ARCHIVE_UNSAFE: .*compression ratio/);
    expectNothingWritten();
  });
});

describe('extractArtifact: hostile zip archives', () => {
  const cases: [string, () => RawZipEntry[]][] = [
    ['path traversal ../', () => [{ name: '../outside/pwned', data: 'x' }]],
    ['absolute path', () => [{ name: `${outside}/pwned`, data: 'x' }]],
    ['drive path', () => [{ name: 'C:/outside/pwned', data: 'x' }]],
    ['backslash traversal', () => [{ name: '..\\outside\\pwned', data: 'x' }]],
    ['symlink', () => [{ name: 'link', data: outside, unixMode: 0o120777 }]],
    ['character device', () => [{ name: 'null', unixMode: 0o020666 }]],
    ['FIFO', () => [{ name: 'pipe', unixMode: 0o010644 }]],
    ['setuid binary', () => [{ name: 'bin', data: 'x', unixMode: 0o104755 }]],
    ['a folder entry that says it is a file', () => [{ name: 'dir/', unixMode: 0o100644 }]],
    [
      'the same file twice',
      () => [
        { name: 'bin', data: 'a' },
        { name: 'bin', data: 'b' },
      ],
    ],
    ['a control character in a name', () => [{ name: 'bin\u001b[2J', data: 'x' }]],
  ];

  it.each(cases)('refuses %s', async (_name, entries) => {
    const result = await refusal(extract(write('h.zip', rawZip(entries())), 'zip'));
    expect(result).toMatch(/^ARCHIVE_UNSAFE: /);
    expectNothingWritten();
  });

  it('refuses a deflate bomb by its compression ratio', async () => {
    const zip = rawZip([{ name: 'zeros', data: Buffer.alloc(64 * 1024 * 1024) }]);
    const limits = { ...DEFAULT_ARCHIVE_LIMITS, maxCompressionRatio: 50, ratioGraceBytes: 1024 * 1024 };
    expect(await refusal(extract(write('bomb.zip', zip), 'zip', limits))).toMatch(/compression ratio/);
    expectNothingWritten();
  });

  it('refuses past the entry, size and depth limits', async () => {
    const many = rawZip(Array.from({ length: 20 }, (_, i) => ({ name: `f${String(i)}`, data: 'x' })));
    expect(
      await refusal(extract(write('m.zip', many), 'zip', { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 10 })),
    ).toMatch(/20 entries \(limit 10\)/);
    const big = rawZip([{ name: 'a', data: Buffer.alloc(4096) }]);
    expect(
      await refusal(extract(write('b.zip', big), 'zip', { ...DEFAULT_ARCHIVE_LIMITS, maxEntryBytes: 4000 })),
    ).toMatch(/expands to 4096 bytes/);
    const deep = rawZip([{ name: `${Array.from({ length: 40 }, () => 'd').join('/')}/f`, data: 'x' }]);
    expect(await refusal(extract(write('d.zip', deep), 'zip'))).toMatch(/folders deep/);
    expectNothingWritten();
  });

  it('refuses an entry whose real size is not the declared one', async () => {
    const liar = rawZip([{ name: 'bin', data: Buffer.alloc(5000, 1), declaredSize: 10 }]);
    expect(await refusal(extract(write('l.zip', liar), 'zip'))).toMatch(/^ARCHIVE_(INVALID|UNSAFE)/);
    expectNothingWritten();
  });
});
