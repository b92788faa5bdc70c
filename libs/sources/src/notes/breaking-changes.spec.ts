import { describe, expect, it } from 'vitest';
import { extractBreakingChanges } from './breaking-changes.ts';

describe('extractBreakingChanges', () => {
  it('takes Prometheus [CHANGE] entries and BREAKING lines', () => {
    const notes = [
      '## 1.8.0 / 2024-04-24',
      '',
      '* [CHANGE] exec_bsd: Fix labels for `vm.stats.sys.v_syscall` sysctl #2895',
      '* [FEATURE] Add new collector',
      '* [BUGFIX] Fix crash',
      '- BREAKING: the --collector.diskstats flag is gone',
    ].join('\n');
    expect(extractBreakingChanges(notes)).toEqual([
      '[CHANGE] exec_bsd: Fix labels for `vm.stats.sys.v_syscall` sysctl #2895',
      'BREAKING: the --collector.diskstats flag is gone',
    ]);
  });

  it('takes every item of a breaking-changes section up to the next heading', () => {
    const notes = [
      '### ⚠ BREAKING CHANGES',
      '',
      '* config: pipeline stages use the new syntax',
      '  * nested detail under it',
      '1. removed the v1 API',
      '',
      '### Features',
      '* something new',
      '**Breaking changes**',
      '- flag renamed',
    ].join('\n');
    expect(extractBreakingChanges(notes)).toEqual([
      'config: pipeline stages use the new syntax',
      'nested detail under it',
      'removed the v1 API',
      'flag renamed',
    ]);
  });

  it('keeps sub-headings inside the section and ignores "no breaking changes"', () => {
    const notes = [
      '## Breaking changes',
      '### Loki',
      '- schema v13 required',
      '## Notes',
      'There are no breaking changes in promtail.',
    ].join('\n');
    expect(extractBreakingChanges(notes)).toEqual(['schema v13 required']);
  });

  it('strips terminal escapes and bidi controls from what it returns', () => {
    expect(extractBreakingChanges('* [CHANGE] \u001b[2Jcleared\u202e screen')).toEqual([
      '[CHANGE] [2Jcleared screen',
    ]);
  });

  it('finds nothing in ordinary notes', () => {
    expect(extractBreakingChanges('* [ENHANCEMENT] faster\n* [BUGFIX] fix')).toEqual([]);
  });
});
