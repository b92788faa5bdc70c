import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { evaluateAdvisory, isAffected } from './osv-evaluator.ts';
import { osvSeverityLabel, readOsvRecord, type OsvRecord } from './osv-record.ts';

// Shaped after the GitHub advisory for the exporter-toolkit basic-auth bypass
// (CVE-2022-46146) as OSV.dev serves it: ECOSYSTEM ranges for a Go module, two
// fixed lines expressed as two ranges.
const exporterToolkit = readOsvRecord({
  schema_version: '1.4.0',
  id: 'GHSA-7rg2-cxvp-9p7p',
  modified: '2023-01-27T05:02:16Z',
  published: '2022-11-29T19:01:42Z',
  aliases: ['CVE-2022-46146'],
  summary: 'Authentication bypass via cache poisoning',
  affected: [
    {
      package: { ecosystem: 'Go', name: 'github.com/prometheus/exporter-toolkit' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '0.7.2' }] }],
    },
    {
      package: { ecosystem: 'Go', name: 'github.com/prometheus/exporter-toolkit' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0.8.0' }, { fixed: '0.8.2' }] }],
    },
  ],
  references: [{ type: 'ADVISORY', url: 'https://nvd.nist.gov/vuln/detail/CVE-2022-46146' }],
  database_specific: { severity: 'HIGH', cwe_ids: ['CWE-287'], github_reviewed: true },
});

// The Go vulnerability database writes SEMVER ranges, several intervals in one range.
const goVulnDb = readOsvRecord({
  schema_version: '1.3.1',
  id: 'GO-2023-0001',
  summary: 'Denial of service in a Go exporter',
  affected: [
    {
      package: { ecosystem: 'Go', name: 'github.com/example/exporter' },
      ranges: [
        {
          type: 'SEMVER',
          events: [{ introduced: '1.0.0' }, { fixed: '1.0.2' }, { introduced: '3.0.0' }, { fixed: '3.2.5' }],
        },
      ],
      ecosystem_specific: { imports: [{ path: 'github.com/example/exporter/collector' }] },
    },
  ],
});

function record(affected: unknown[], extra: Record<string, unknown> = {}): OsvRecord {
  return readOsvRecord({ id: 'TEST-1', affected, ...extra });
}

describe('evaluateAdvisory: SEMVER and ECOSYSTEM ranges', () => {
  it('treats introduced "0" as the beginning of time', () => {
    const r = record([{ ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }]);
    expect(isAffected(r, '0.0.1')).toBe(true);
    expect(isAffected(r, '99.0.0')).toBe(true);
    expect(evaluateAdvisory(r, '1.0.0').matches[0]?.interval).toBe('>=0 (no fixed version)');
  });

  it('evaluates a GHSA ECOSYSTEM record for a Go module with two fixed lines', () => {
    expect(isAffected(exporterToolkit, '0.7.1')).toBe(true);
    expect(isAffected(exporterToolkit, '0.7.2')).toBe(false);
    expect(isAffected(exporterToolkit, '0.7.9')).toBe(false);
    expect(isAffected(exporterToolkit, '0.8.0')).toBe(true);
    expect(isAffected(exporterToolkit, '0.8.1')).toBe(true);
    expect(isAffected(exporterToolkit, '0.8.2')).toBe(false);
    expect(isAffected(exporterToolkit, 'v0.1.0')).toBe(true);
  });

  it('reports the interval and the lowest fix above the version', () => {
    const early = evaluateAdvisory(exporterToolkit, '0.5.0');
    expect(early.matches).toEqual([
      {
        package: 'Go github.com/prometheus/exporter-toolkit',
        via: 'range',
        rangeType: 'ECOSYSTEM',
        interval: '>=0 <0.7.2',
      },
    ]);
    expect(early.fixedIn).toBe('0.7.2');
    expect(evaluateAdvisory(exporterToolkit, '0.8.1').fixedIn).toBe('0.8.2');
    expect(evaluateAdvisory(exporterToolkit, '0.9.0').fixedIn).toBeNull();
  });

  it('handles several introduced/fixed pairs in one SEMVER range', () => {
    expect(isAffected(goVulnDb, '0.9.9')).toBe(false);
    expect(isAffected(goVulnDb, '1.0.0')).toBe(true);
    expect(isAffected(goVulnDb, '1.0.1')).toBe(true);
    expect(isAffected(goVulnDb, '1.0.2')).toBe(false);
    expect(isAffected(goVulnDb, '2.9.0')).toBe(false);
    expect(isAffected(goVulnDb, '3.0.0')).toBe(true);
    expect(isAffected(goVulnDb, '3.2.4')).toBe(true);
    expect(isAffected(goVulnDb, '3.2.5')).toBe(false);
    expect(evaluateAdvisory(goVulnDb, '3.1.0').matches[0]?.interval).toBe('>=3.0.0 <3.2.5');
    expect(evaluateAdvisory(goVulnDb, '3.1.0').fixedIn).toBe('3.2.5');
  });

  it('sorts events by version before walking them, whatever order the record lists them in', () => {
    const shuffled = record([
      {
        ranges: [
          {
            type: 'SEMVER',
            events: [
              { fixed: '3.2.5' },
              { introduced: '3.0.0' },
              { fixed: '1.0.2' },
              { introduced: '1.0.0' },
            ],
          },
        ],
      },
    ]);
    for (const v of ['0.9.0', '1.0.0', '1.0.2', '2.0.0', '3.0.0', '3.2.5']) {
      expect(isAffected(shuffled, v)).toBe(isAffected(goVulnDb, v));
    }
  });

  it('treats last_affected as inclusive', () => {
    const r = record([
      { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { last_affected: '2.1.214' }] }] },
    ]);
    expect(isAffected(r, '2.1.213')).toBe(true);
    expect(isAffected(r, '2.1.214')).toBe(true);
    expect(isAffected(r, '2.1.215')).toBe(false);
    expect(evaluateAdvisory(r, '2.1.0').matches[0]?.interval).toBe('>=0 <=2.1.214');
    expect(evaluateAdvisory(r, '2.1.0').fixedIn).toBeNull();
  });

  it('treats fixed as exclusive', () => {
    const r = record([{ ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.1.214' }] }] }]);
    expect(isAffected(r, '2.1.213')).toBe(true);
    expect(isAffected(r, '2.1.214')).toBe(false);
  });

  it('applies limit events as an exclusive upper bound, "*" meaning infinity', () => {
    const limited = record([
      { ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { limit: '1.5.0' }] }] },
    ]);
    expect(isAffected(limited, '0.9.0')).toBe(false);
    expect(isAffected(limited, '1.4.9')).toBe(true);
    expect(isAffected(limited, '1.5.0')).toBe(false);
    const unlimited = record([
      { ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { limit: '*' }] }] },
    ]);
    expect(isAffected(unlimited, '40.0.0')).toBe(true);
  });

  it('orders prereleases by SemVer precedence', () => {
    const r = record([
      { ranges: [{ type: 'SEMVER', events: [{ introduced: '2.0.0-rc.1' }, { fixed: '2.0.0' }] }] },
    ]);
    expect(isAffected(r, '2.0.0-beta.1')).toBe(false);
    expect(isAffected(r, '2.0.0-rc.1')).toBe(true);
    expect(isAffected(r, '2.0.0-rc.2')).toBe(true);
    expect(isAffected(r, '2.0.0')).toBe(false);
  });

  it('keeps ranges of one entry independent: any range including the version is enough', () => {
    const r = record([
      {
        ranges: [
          { type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '1.1.0' }] },
          { type: 'SEMVER', events: [{ introduced: '2.0.0' }, { fixed: '2.0.3' }] },
        ],
      },
    ]);
    expect(isAffected(r, '1.0.5')).toBe(true);
    expect(isAffected(r, '1.5.0')).toBe(false);
    expect(isAffected(r, '2.0.2')).toBe(true);
    expect(evaluateAdvisory(r, '1.0.5').fixedIn).toBe('1.1.0');
  });

  it('orders events at the same version with introduced first, so an empty interval stays empty', () => {
    const r = record([
      { ranges: [{ type: 'SEMVER', events: [{ fixed: '1.0.0' }, { introduced: '1.0.0' }] }] },
    ]);
    expect(isAffected(r, '1.0.0')).toBe(false);
  });
});

describe('evaluateAdvisory: versions lists, GIT and what cannot be evaluated', () => {
  it('matches a version named in affected[].versions, with or without a v', () => {
    const r = record([
      { package: { ecosystem: 'Go', name: 'github.com/grafana/loki' }, versions: ['2.9.1', 'v2.9.2'] },
    ]);
    expect(isAffected(r, '2.9.1')).toBe(true);
    expect(isAffected(r, 'v2.9.2')).toBe(true);
    expect(isAffected(r, '2.9.3')).toBe(false);
    expect(evaluateAdvisory(r, '2.9.1').matches[0]?.via).toBe('versions');
  });

  it('uses the versions list of a GIT range and does not report the GIT range itself', () => {
    const r = record([
      {
        package: { ecosystem: 'OSS-Fuzz', name: 'loki' },
        ranges: [
          {
            type: 'GIT',
            repo: 'https://github.com/grafana/loki',
            events: [
              { introduced: '6e5755a2a833bc64852eae12967d0a54d7adf629' },
              { fixed: 'c43455749b914feef56b178b256f29b3016146eb' },
            ],
          },
        ],
        versions: ['v2.8.0', 'v2.8.1'],
      },
    ]);
    expect(evaluateAdvisory(r, '2.8.1')).toMatchObject({ affected: true, undetermined: [] });
    expect(evaluateAdvisory(r, '2.9.0')).toMatchObject({ affected: false, undetermined: [] });
  });

  it('reports a GIT range without a versions list as undetermined, never as clean', () => {
    const r = record([
      { ranges: [{ type: 'GIT', repo: 'https://github.com/x/y', events: [{ introduced: '0' }] }] },
    ]);
    const result = evaluateAdvisory(r, '1.0.0');
    expect(result.affected).toBe(false);
    expect(result.undetermined).toEqual([
      expect.stringContaining('GIT ranges need the repository commit graph'),
    ]);
  });

  it('evaluates plain numbers in a non-SemVer ecosystem but refuses richer versions', () => {
    const plain = record([
      {
        package: { ecosystem: 'PyPI', name: 'thing' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2.3' }] }],
      },
    ]);
    expect(isAffected(plain, '1.2.2')).toBe(true);
    const rich = record([
      {
        package: { ecosystem: 'PyPI', name: 'thing' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2.3rc1' }] }],
      },
    ]);
    const result = evaluateAdvisory(rich, '1.2.2');
    expect(result.affected).toBe(false);
    expect(result.undetermined).toEqual([expect.stringContaining('does not order versions as SemVer')]);
  });

  it('reports a range without introduced and an unknown range type as undetermined', () => {
    const r = record([
      {
        ranges: [
          { type: 'SEMVER', events: [{ fixed: '1.0.0' }] },
          { type: 'CALVER', events: [{ introduced: '2024.01' }] },
        ],
      },
    ]);
    expect(evaluateAdvisory(r, '0.5.0').undetermined).toEqual([
      'affected[0].ranges[0]: the range has no introduced event',
      'affected[0].ranges[1]: range type "CALVER" is not one of SEMVER, ECOSYSTEM, GIT',
    ]);
  });

  it('ignores a withdrawn record', () => {
    const r = record([{ ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }], {
      withdrawn: '2024-02-01T00:00:00Z',
    });
    expect(evaluateAdvisory(r, '1.0.0')).toMatchObject({ affected: false, withdrawn: true });
  });

  it('only considers the packages asked for', () => {
    const r = record([
      {
        package: { ecosystem: 'Go', name: 'github.com/grafana/loki' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '2.0.0' }, { fixed: '2.9.5' }] }],
      },
      {
        package: { ecosystem: 'Go', name: 'github.com/grafana/loki/v3' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '3.0.0' }, { fixed: '3.0.1' }] }],
      },
    ]);
    expect(isAffected(r, '2.9.4', { package: { name: 'github.com/grafana/loki/v3' } })).toBe(false);
    expect(isAffected(r, '3.0.0', { package: { name: 'github.com/grafana/loki/v3', ecosystem: 'go' } })).toBe(
      true,
    );
    expect(
      isAffected(r, '3.0.0', { package: { name: 'github.com/grafana/loki/v3', ecosystem: 'npm' } }),
    ).toBe(false);
    expect(
      isAffected(r, '2.9.4', { package: [{ name: 'other' }, { name: 'github.com/grafana/loki' }] }),
    ).toBe(true);
  });

  it('matches an ecosystem with a release suffix', () => {
    const r = record([
      {
        package: { ecosystem: 'Debian:12', name: 'prometheus-node-exporter' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.5.0' }] }],
      },
    ]);
    expect(
      isAffected(r, '1.4.0', { package: { name: 'prometheus-node-exporter', ecosystem: 'Debian' } }),
    ).toBe(true);
  });
});

describe('readOsvRecord', () => {
  function errorOf(value: unknown): string {
    try {
      readOsvRecord(value);
    } catch (error) {
      if (isUpkeepError(error)) return `${error.code}: ${error.message}`;
      throw error;
    }
    return 'no error';
  }

  it('names the record and the path of a bad field', () => {
    expect(errorOf('nope')).toBe('INPUT_INVALID: advisory: record must be an object, got string "nope"');
    expect(errorOf({ summary: 'x' })).toBe('INPUT_INVALID: advisory: id must be a string, got nothing');
    expect(
      errorOf({
        id: 'GHSA-1',
        affected: [{ ranges: [{ type: 'SEMVER', events: [{ introduced: '0', fixed: '1.0.0' }] }] }],
      }),
    ).toBe(
      'INPUT_INVALID: advisory GHSA-1: affected[0].ranges[0].events[0] must have exactly one of introduced, fixed, last_affected, limit, got introduced, fixed',
    );
    expect(errorOf({ id: 'GHSA-2', affected: [{ package: { name: 'x' } }] })).toBe(
      'INPUT_INVALID: advisory GHSA-2: affected[0].package.ecosystem must be a string, got nothing',
    );
    expect(errorOf({ id: 'GHSA-3', affected: [{ ranges: [{ type: 'SEMVER', events: [] }] }] })).toBe(
      'INPUT_INVALID: advisory GHSA-3: affected[0].ranges[0].events must list at least one event',
    );
  });

  it('keeps the fields it reads and drops the rest', () => {
    const r = readOsvRecord({ id: 'X-1', credits: [{ name: 'someone' }], summary: 's' });
    expect(r).toMatchObject({ id: 'X-1', summary: 's' });
    expect('credits' in r).toBe(false);
  });

  it('gives a severity label from the database, the ecosystem or the CVSS vector', () => {
    expect(osvSeverityLabel(exporterToolkit)).toBe('HIGH');
    expect(
      osvSeverityLabel(readOsvRecord({ id: 'A', severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N' }] })),
    ).toBe('CVSS_V3 CVSS:3.1/AV:N');
    expect(
      osvSeverityLabel(
        readOsvRecord({ id: 'B', affected: [{ ecosystem_specific: { severity: 'MODERATE' } }] }),
      ),
    ).toBe('MODERATE');
    expect(osvSeverityLabel(readOsvRecord({ id: 'C' }))).toBeUndefined();
  });
});
