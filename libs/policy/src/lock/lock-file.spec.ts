import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isUpkeepError, type UpkeepError } from '@upkeep/errors';
import type { ConfigIssue } from '../config/config-issue.ts';
import { parseLockFile, renderLockFile, type LockFile } from './lock-file.ts';

const SHA = 'a'.repeat(64);

const lock: LockFile = {
  lock_version: 1,
  generated_at: '2024-05-01T12:00:00Z',
  components: {
    promtail: {
      version: '2.9.3',
      tag: 'v2.9.3',
      artifacts: [
        {
          name: 'promtail-linux-amd64.zip',
          url: 'https://github.com/grafana/loki/releases/download/v2.9.3/promtail-linux-amd64.zip',
          sha256: SHA,
        },
      ],
    },
    node_exporter: {
      version: '1.7.0',
      tag: 'v1.7.0',
      artifacts: [
        {
          name: 'node_exporter-1.7.0.linux-amd64.tar.gz',
          url: 'https://github.com/prometheus/node_exporter/releases/download/v1.7.0/node_exporter-1.7.0.linux-amd64.tar.gz',
          sha256: 'b'.repeat(64),
        },
      ],
    },
  },
};

function errorOf(fn: () => unknown): UpkeepError {
  try {
    fn();
  } catch (error) {
    if (isUpkeepError(error)) return error;
    throw error;
  }
  return expect.unreachable();
}

function problems(text: string): string[] {
  const error = errorOf(() => parseLockFile(text, 'versions.lock'));
  expect(error.code).toBe('CONFIG_INVALID');
  return (error.details as { issues: ConfigIssue[] }).issues.map((i) =>
    i.path === '' ? i.message : `${i.path}: ${i.message}`,
  );
}

describe('renderLockFile and parseLockFile', () => {
  it('round-trips', () => {
    expect(parseLockFile(renderLockFile(lock))).toEqual(lock);
  });

  it('keeps artifacts of a local registry mirror (file:// URLs)', () => {
    const mirrored: LockFile = {
      ...lock,
      components: {
        app: {
          version: '1.0.0',
          tag: 'v1.0.0',
          artifacts: [{ name: 'app.tar.gz', url: 'file:///srv/mirror/app/v1.0.0/app.tar.gz', sha256: SHA }],
        },
      },
    };
    expect(parseLockFile(renderLockFile(mirrored))).toEqual(mirrored);
  });

  it('writes components sorted by name under a header comment', () => {
    const text = renderLockFile(lock);
    expect(text.startsWith('# versions.lock: written by `upkeep lock`')).toBe(true);
    expect(text.indexOf('node_exporter:')).toBeLessThan(text.indexOf('promtail:'));
    expect(text).toContain('lock_version: 1\n');
  });

  it('renders the same lock to the same text', () => {
    const reordered: LockFile = {
      ...lock,
      components: { promtail: lock.components.promtail!, node_exporter: lock.components.node_exporter! },
    };
    expect(renderLockFile(reordered)).toBe(renderLockFile(lock));
  });

  it('round-trips any valid lock (property)', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_-]{0,20}$/);
    const version = fc
      .tuple(
        fc.nat(50),
        fc.nat(50),
        fc.nat(50),
        fc.option(fc.constantFrom('rc.1', 'beta.2'), { nil: undefined }),
      )
      .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre === undefined ? '' : `-${pre}`}`);
    const artifact = fc.record({
      name: fc.string({ minLength: 1, maxLength: 40 }),
      url: fc.webUrl({ validSchemes: ['https'] }),
      sha256: fc.stringMatching(/^[a-f0-9]{64}$/),
    });
    const entry = fc.record({
      version,
      tag: fc.string({ minLength: 1, maxLength: 30 }),
      artifacts: fc.array(artifact, { maxLength: 3 }),
    });
    fc.assert(
      fc.property(
        fc.dictionary(name, entry, { maxKeys: 5 }),
        fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }),
        (components, date) => {
          const generated: LockFile = { lock_version: 1, generated_at: date.toISOString(), components };
          expect(parseLockFile(renderLockFile(generated))).toEqual(generated);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses to render an invalid lock', () => {
    const bad = { ...lock, components: { x: { version: 'one', tag: 'x', artifacts: [] } } };
    const error = errorOf(() => renderLockFile(bad));
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.message).toContain('components.x.version: "one" is not a version');
  });
});

describe('parseLockFile: bad input', () => {
  const valid = renderLockFile(lock);

  it.each([
    ['', 'is empty: expected lock_version, generated_at and components'],
    ['- 1\n', 'the top level is a list of 1; expected a mapping'],
    ['lock_version: [\n', 'YAML error'],
  ])('%j -> %s', (text, expected) => {
    expect(problems(text)[0]).toContain(expected);
  });

  it('refuses a lock version it does not know', () => {
    expect(problems(valid.replace('lock_version: 1', 'lock_version: 2'))).toEqual([
      'lock_version: 2 is not a lock file version this Upkeep reads (expected 1)',
    ]);
  });

  it('refuses a bad timestamp', () => {
    expect(problems(valid.replace('"2024-05-01T12:00:00Z"', '"yesterday"'))).toEqual([
      'generated_at: "yesterday" is not an ISO 8601 timestamp such as "2024-05-01T12:00:00Z"',
    ]);
    expect(problems(valid.replace('"2024-05-01T12:00:00Z"', '"2024-13-45T12:00:00Z"'))).toEqual([
      'generated_at: "2024-13-45T12:00:00Z" is not a real date',
    ]);
  });

  it('reports all bad entries at once, located', () => {
    const text = [
      'lock_version: 1',
      'generated_at: "2024-05-01T12:00:00Z"',
      'components:',
      '  node_exporter:',
      '    version: latest',
      '    tag: ""',
      '    artifacts:',
      '      - name: a.tar.gz',
      '        url: ftp://mirror/a.tar.gz',
      '        sha256: ABC',
      '        size: 3',
      '  "bad name":',
      '    version: 1.0.0',
      '    tag: v1.0.0',
      '    artifacts: []',
      '',
    ].join('\n');
    const error = errorOf(() => parseLockFile(text));
    const issues = (error.details as { issues: ConfigIssue[] }).issues;
    expect(issues.map((i) => `${i.line}: ${i.path}: ${i.message}`)).toEqual([
      '5: components.node_exporter.version: "latest" is not a version; write MAJOR.MINOR.PATCH such as "1.7.0" or "v2.9.3-rc.1"',
      '6: components.node_exporter.tag: must not be empty',
      '9: components.node_exporter.artifacts[0].url: "ftp://mirror/a.tar.gz" is not an http(s) or file:// URL such as "https://example.com/app.tar.gz"',
      '10: components.node_exporter.artifacts[0].sha256: "ABC" is not a SHA-256 digest (64 lowercase hex digits)',
      '11: components.node_exporter.artifacts[0].size: unknown key "size" (known keys: name, url, sha256)',
      '12: components["bad name"]: "bad name" is not a valid component name',
    ]);
    expect(error.hint).toContain('upkeep lock');
  });

  it('needs every top-level key', () => {
    expect(problems('lock_version: 1\n')).toEqual([
      'generated_at: is required: an ISO 8601 timestamp',
      'components: is required (a mapping)',
    ]);
  });

  it('accepts an empty component map written as null', () => {
    expect(
      parseLockFile('lock_version: 1\ngenerated_at: "2024-05-01T12:00:00Z"\ncomponents:\n').components,
    ).toEqual({});
  });
});
