import { describe, expect, it } from 'vitest';
import { findBreakingNotes } from './release-notes-scanner.ts';

describe('findBreakingNotes', () => {
  it('reads Prometheus-style [CHANGE] entries and nothing else', () => {
    const body = [
      '## 1.0.0 / 2020-05-25',
      '',
      '* [CHANGE] Disable the btrfs collector by default #1571',
      '* [FEATURE] Add a new collector #1600',
      '* [ENHANCEMENT] Faster parsing #1601',
      '* [BUGFIX] Fix a crash #1602',
    ].join('\n');
    expect(findBreakingNotes(body)).toEqual(['[CHANGE] Disable the btrfs collector by default #1571']);
  });

  it('reads every entry of a release-please "BREAKING CHANGES" section', () => {
    const body = [
      '## [3.0.0](https://github.com/grafana/loki/compare/v2.9.0...v3.0.0) (2024-04-08)',
      '',
      '### ⚠ BREAKING CHANGES',
      '',
      '* **promtail:** remove the deprecated docker stage ([#123](https://example.invalid/123))',
      '* change the default of `-ingester.max-chunk-age`',
      '',
      '### Features',
      '',
      '* add something',
    ].join('\n');
    expect(findBreakingNotes(body)).toEqual([
      '**promtail:** remove the deprecated docker stage ([#123](https://example.invalid/123))',
      'change the default of `-ingester.max-chunk-age`',
    ]);
  });

  it('reads sections introduced by a bold title or a "Breaking changes:" line', () => {
    expect(findBreakingNotes('**Breaking Changes**\n- one\n\n**Fixes**\n- two')).toEqual(['one']);
    expect(findBreakingNotes('Breaking changes:\n- one\nOther notes:\n- two')).toEqual(['one']);
  });

  it('reads BREAKING in capitals and "breaking change" anywhere', () => {
    expect(
      findBreakingNotes('- BREAKING: config key renamed\n- note: this is a breaking change for X'),
    ).toEqual(['BREAKING: config key renamed', 'note: this is a breaking change for X']);
  });

  it('does not count denials or lowercase mentions', () => {
    expect(
      findBreakingNotes(
        'No breaking changes in this release.\n## Non-breaking changes\n- a\n- fixes breaking of the build',
      ),
    ).toEqual([]);
  });

  it('keeps each line once and at most 25 lines', () => {
    const many = Array.from({ length: 40 }, (_, i) => `* [CHANGE] change ${i}`).join('\n');
    expect(findBreakingNotes(many)).toHaveLength(25);
    expect(findBreakingNotes('* [CHANGE] same\n* [CHANGE] same')).toEqual(['[CHANGE] same']);
  });
});
