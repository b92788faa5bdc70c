import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { findChecksum, verifyChecksum } from './checksum.service.ts';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return isUpkeepError(error) ? error.code : 'other';
  }
  return 'none';
}

describe('verifyChecksum', () => {
  it('passes a matching checksum, whatever its case', () => {
    expect(
      verifyChecksum({ artifact: 'x', actualSha256: A, expectedSha256: A.toUpperCase(), required: true }),
    ).toEqual({
      status: 'verified',
      sha256: A,
    });
  });
  it('fails a mismatch even when verification is not required', () => {
    expect(
      codeOf(() => verifyChecksum({ artifact: 'x', actualSha256: A, expectedSha256: B, required: false })),
    ).toBe('CHECKSUM_MISMATCH');
  });
  it('fails a missing checksum when required, and warns when not', () => {
    expect(
      codeOf(() => verifyChecksum({ artifact: 'x', actualSha256: A, expectedSha256: null, required: true })),
    ).toBe('CHECKSUM_NOT_FOUND');
    const outcome = verifyChecksum({
      artifact: 'x.tar.gz',
      actualSha256: A,
      expectedSha256: null,
      required: false,
    });
    expect(outcome.status).toBe('unverified');
    expect(outcome.status === 'unverified' && outcome.warning).toContain('CHECKSUM NOT VERIFIED: x.tar.gz');
  });
  it('refuses a malformed expected checksum', () => {
    expect(
      codeOf(() => verifyChecksum({ artifact: 'x', actualSha256: A, expectedSha256: 'abc', required: true })),
    ).toBe('INPUT_INVALID');
  });
});

describe('findChecksum', () => {
  const file = [
    `${A}  node_exporter-1.7.0.linux-amd64.tar.gz.sig`,
    `${B}  node_exporter-1.7.0.linux-amd64.tar.gz`,
    `${'c'.repeat(64)} *./promtail-linux-amd64.zip`,
    `SHA256 (loki.zip) = ${'D'.repeat(64)}`,
  ].join('\n');
  it('matches the whole file name, not a prefix of another', () => {
    expect(findChecksum(file, 'node_exporter-1.7.0.linux-amd64.tar.gz')).toBe(B);
    expect(findChecksum(file, 'promtail-linux-amd64.zip')).toBe('c'.repeat(64));
    expect(findChecksum(file, 'loki.zip')).toBe('d'.repeat(64));
    expect(findChecksum(file, 'node_exporter')).toBeNull();
  });
});
