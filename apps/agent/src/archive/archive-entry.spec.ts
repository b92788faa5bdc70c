import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { ExtractionBudget, checkEntryKind, checkEntryPath } from './archive-entry.service.ts';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './archive-limits.ts';

const limits: ArchiveLimits = {
  ...DEFAULT_ARCHIVE_LIMITS,
  maxDepth: 4,
  maxEntries: 3,
  maxEntryBytes: 100,
  maxTotalBytes: 150,
};

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return isUpkeepError(error) ? `${error.code}: ${error.message}` : `other: ${String(error)}`;
  }
  return 'accepted';
}

describe('checkEntryPath', () => {
  it.each([
    ['node_exporter-1.7.0.linux-amd64/node_exporter', 'node_exporter-1.7.0.linux-amd64/node_exporter'],
    ['./dir/file', 'dir/file'],
    ['dir/', 'dir'],
    ['./', '.'],
    ['a/./b', 'a/b'],
  ])('accepts %j as %j', (name, clean) => {
    expect(checkEntryPath('a.tar', name, limits)).toBe(clean);
  });

  it.each([
    ['../evil', 'climbs out'],
    ['a/../../evil', 'climbs out'],
    ['a/..', 'climbs out'],
    ['/etc/passwd', 'absolute'],
    ['C:\\Windows\\evil', 'backslash'],
    ['C:evil', 'drive'],
    ['c:/evil', 'drive'],
    ['..\\evil', 'backslash'],
    ['a//b', 'empty path component'],
    ['', 'empty name'],
    ['a/b\u0000c', 'control character'],
    ['evil\nname', 'control character'],
    ['a/b/c/d/e', 'folders deep'],
    [`${'x'.repeat(256)}/y`, 'longer than 255'],
  ])('refuses %j (%s)', (name, reason) => {
    const result = refusal(() => checkEntryPath('a.tar', name, limits));
    expect(result).toMatch(/^ARCHIVE_UNSAFE: /);
    expect(result).toContain(reason);
  });
});

describe('checkEntryKind', () => {
  it('accepts plain files and folders', () => {
    expect(
      refusal(() => {
        checkEntryKind('a', 'f', 'file', 0o755);
      }),
    ).toBe('accepted');
    expect(
      refusal(() => {
        checkEntryKind('a', 'd', 'directory', 0o755);
      }),
    ).toBe('accepted');
  });
  it.each(['symlink', 'hardlink', 'device', 'fifo', 'socket', 'other'] as const)('refuses a %s', (kind) => {
    expect(
      refusal(() => {
        checkEntryKind('a', 'x', kind, 0o644);
      }),
    ).toMatch(/^ARCHIVE_UNSAFE/);
  });
  it.each([0o4755, 0o2755, 0o1777])('refuses mode %o', (mode) => {
    expect(
      refusal(() => {
        checkEntryKind('a', 'x', 'file', mode);
      }),
    ).toMatch(/setuid, setgid or sticky/);
  });
});

describe('ExtractionBudget', () => {
  it('refuses past the entry count, entry size and total size', () => {
    const count = new ExtractionBudget('a', limits);
    count.admit('a', 'file', 1);
    count.admit('b', 'file', 1);
    count.admit('c', 'file', 1);
    expect(
      refusal(() => {
        count.admit('d', 'file', 1);
      }),
    ).toContain('more than 3 entries');
    expect(
      refusal(() => {
        new ExtractionBudget('a', limits).admit('big', 'file', 101);
      }),
    ).toContain('expands to 101 bytes');
    const total = new ExtractionBudget('a', limits);
    total.admit('x', 'file', 100);
    expect(
      refusal(() => {
        total.admit('y', 'file', 51);
      }),
    ).toContain('expands past 150 bytes');
  });

  it('refuses duplicates and files used as folders, but lets a folder repeat', () => {
    const budget = new ExtractionBudget('a', { ...limits, maxEntries: 10 });
    budget.admit('d', 'directory', 0);
    budget.admit('d', 'directory', 0);
    budget.admit('d/f', 'file', 1);
    expect(
      refusal(() => {
        budget.admit('d/f', 'file', 1);
      }),
    ).toContain('appears twice');
    expect(
      refusal(() => {
        budget.admit('d/f/g', 'file', 1);
      }),
    ).toContain('lies under the file d/f');
  });

  it('judges the compression ratio only past the grace size', () => {
    const budget = new ExtractionBudget('a', { ...limits, maxCompressionRatio: 10, ratioGraceBytes: 1000 });
    expect(
      refusal(() => {
        budget.checkRatio(10, 1000);
      }),
    ).toBe('accepted');
    expect(
      refusal(() => {
        budget.checkRatio(101, 1001);
      }),
    ).toBe('accepted');
    expect(
      refusal(() => {
        budget.checkRatio(100, 1500);
      }),
    ).toContain('compression ratio 15:1');
  });
});
