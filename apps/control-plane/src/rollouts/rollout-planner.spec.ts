import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import {
  approvalsFor,
  amountOf,
  BUILTIN_ROLLOUT_DEFAULTS,
  expectedWaveSeconds,
  failureLimit,
  hostDecisionOf,
  matchesLabels,
  parseLabelExpression,
  resolveSettings,
  selectHosts,
  splitIntoWaves,
  transition,
} from './rollout-planner.ts';
import type { CandidateHost, WaveSettings } from './rollout.ts';

function host(hostname: string, labels: Record<string, string> = {}, groups: string[] = []): CandidateHost {
  return { id: `id-${hostname}`, hostname, labels, groups, os: 'linux', arch: 'amd64' };
}

function wave(size: string, name = size): WaveSettings {
  return { name, size, maxParallel: 1, bakeSeconds: 0, failureThreshold: '1', approval: false };
}

describe('label expressions', () => {
  const labels = { role: 'web', zone: 'a', canary: 'yes' };

  it.each([
    ['role=web', true],
    ['role==web', true],
    ['role=db', false],
    ['role!=db', true],
    ['role!=web', false],
    ['zone in (a,b)', true],
    ['zone in (b, c)', false],
    ['zone notin (b,c)', true],
    ['missing notin (b,c)', true],
    ['zone notin (a)', false],
    ['canary', true],
    ['missing', false],
    ['!missing', true],
    ['!canary', false],
    ['role=web, zone in (a,b), !missing', true],
    ['role=web,zone=b', false],
    ['', true],
  ])('%s → %s', (text, expected) => {
    expect(matchesLabels(labels, parseLabelExpression(text))).toBe(expected);
  });

  it.each(['role=web,', 'zone in (a,b', 'zone in a,b)', 'role=we b', 'zone in ()', '!'])(
    'rejects %s naming the selector',
    (text) => {
      let error: unknown;
      try {
        parseLabelExpression(text);
      } catch (caught) {
        error = caught;
      }
      expect(isUpkeepError(error) && error.code === 'INPUT_INVALID').toBe(true);
      expect((error as Error).message).toContain('label selector');
    },
  );
});

describe('host selection', () => {
  const hosts = [
    host('web-2', { role: 'web' }, ['edge']),
    host('web-1', { role: 'web', env: 'production' }, ['edge']),
    host('db-1', { role: 'db' }, ['core']),
    host('web-3', { role: 'web', env: 'staging' }, ['edge']),
  ];

  it('picks by group and labels, leaves other environments out, sorts by hostname', () => {
    expect(
      selectHosts(hosts, { groups: ['edge'], labels: 'role=web' }, 'production').map((h) => h.hostname),
    ).toEqual(['web-1', 'web-2']);
    expect(selectHosts(hosts, {}, 'production').map((h) => h.hostname)).toEqual(['db-1', 'web-1', 'web-2']);
    expect(selectHosts(hosts, { groups: ['core', 'edge'] }, 'staging').map((h) => h.hostname)).toEqual([
      'db-1',
      'web-2',
      'web-3',
    ]);
  });
});

describe('waves', () => {
  const ten = Array.from({ length: 10 }, (_, index) => index);

  it('are cumulative: 1, 25%, 100% of ten hosts is 1, 2, 7', () => {
    expect(splitIntoWaves(ten, [wave('1'), wave('25%'), wave('100%')]).map((w) => w.length)).toEqual([
      1, 2, 7,
    ]);
  });

  it('never go backwards and the last wave completes the selection', () => {
    expect(splitIntoWaves(ten, [wave('5'), wave('10%'), wave('50%')]).map((w) => w.length)).toEqual([
      5, 0, 5,
    ]);
    expect(splitIntoWaves([1, 2], [wave('1'), wave('25%'), wave('100%')])).toEqual([[1], [], [2]]);
  });

  it('reads counts and percents, rounding up, and refuses anything else', () => {
    expect(amountOf('3', 10, 'x')).toBe(3);
    expect(amountOf('30', 10, 'x')).toBe(10);
    expect(amountOf('25%', 10, 'x')).toBe(3);
    expect(amountOf('100%', 7, 'x')).toBe(7);
    expect(() => amountOf('0', 10, 'wave size')).toThrow(/wave size "0"/);
    expect(() => amountOf('150%', 10, 'x')).toThrow();
    expect(() => amountOf('a', 10, 'x')).toThrow();
  });

  it('trip thresholds at one host at least', () => {
    expect(failureLimit('1', 10)).toBe(1);
    expect(failureLimit('10%', 10)).toBe(1);
    expect(failureLimit('10%', 25)).toBe(3);
    expect(failureLimit('2', 1)).toBe(1);
    expect(failureLimit('10%', 0)).toBe(1);
  });

  it('expect batches of maxParallel plus bake time', () => {
    expect(expectedWaveSeconds(0, { maxParallel: 2, bakeSeconds: 60 })).toBe(0);
    expect(expectedWaveSeconds(5, { maxParallel: 2, bakeSeconds: 60 })).toBe(3 * 30 + 60);
  });
});

describe('state machine', () => {
  it('allows the documented transitions', () => {
    expect(transition('running', 'pause')).toBe('paused');
    expect(transition('paused', 'abort')).toBe('aborted');
    expect(transition('awaiting_approval', 'reject')).toBe('aborted');
    expect(transition('paused', 'retry-failed')).toBe('running');
    expect(transition('scheduled', 'start')).toBe('running');
    expect(transition('draft', 'submit')).toBeNull();
    expect(transition('draft', 'abort')).toBe('aborted');
  });

  it.each([
    ['completed', 'pause'],
    ['aborted', 'resume'],
    ['running', 'resume'],
    ['completed', 'abort'],
    ['failed', 'approve'],
    ['draft', 'approve'],
    ['draft', 'reject'],
    ['draft', 'pause'],
    ['draft', 'start'],
    ['draft', 'retry-failed'],
    ['scheduled', 'submit'],
    ['awaiting_approval', 'submit'],
    ['running', 'submit'],
  ] as const)('refuses %s → %s with CONFLICT naming both', (state, action) => {
    let error: unknown;
    try {
      transition(state, action);
    } catch (caught) {
      error = caught;
    }
    expect(isUpkeepError(error) && error.code === 'CONFLICT').toBe(true);
    expect((error as Error).message).toContain(state);
    expect((error as Error).message).toContain(action);
  });
});

describe('settings and decisions', () => {
  it('fill what the request leaves out from the defaults and validate waves', () => {
    const settings = resolveSettings(
      { component: 'c', environment: 'e', target: { version: '1.0.0' }, selector: {}, onFailure: 'abort' },
      BUILTIN_ROLLOUT_DEFAULTS,
    );
    expect(settings.onFailure).toBe('abort');
    expect(settings.waves).toEqual(BUILTIN_ROLLOUT_DEFAULTS.waves);
    expect(() =>
      resolveSettings(
        {
          component: 'c',
          environment: 'e',
          target: { version: '1' },
          selector: {},
          waves: [wave('1', 'a'), wave('2', 'a')],
        },
        BUILTIN_ROLLOUT_DEFAULTS,
      ),
    ).toThrow(/used twice/);
    expect(() =>
      resolveSettings(
        {
          component: 'c',
          environment: 'e',
          target: { version: '1' },
          selector: {},
          waves: [{ ...wave('1'), maxParallel: 0 }],
        },
        BUILTIN_ROLLOUT_DEFAULTS,
      ),
    ).toThrow(/maxParallel/);
  });

  it('map the decision engine actions', () => {
    expect(['skip', 'reject', 'auto_approve', 'recommend', 'manual_approval'].map(hostDecisionOf)).toEqual([
      'skip',
      'reject',
      'auto',
      'recommend',
      'manual',
    ]);
  });
});

describe('approvalsFor', () => {
  const rule = (need: { required: number; window: boolean }) => ({
    required: need.required,
    stage: 'before_start',
    forbidSelfApproval: true,
    maintenanceWindow: need.window,
  });

  it('requires a maintenance window when any host move requires one (a major among minors)', () => {
    const result = approvalsFor(
      [
        { required: 1, window: false },
        { required: 2, window: true },
        { required: 1, window: false },
      ],
      rule,
      undefined,
    );
    expect(result).toEqual({
      required: 2,
      afterFirstWave: false,
      forbidSelfApproval: true,
      maintenanceWindow: true,
    });
  });

  it('requires no window when no host move requires one', () => {
    const result = approvalsFor([{ required: 1, window: false }], rule, 3);
    expect(result.maintenanceWindow).toBe(false);
    expect(result.required).toBe(3);
  });

  it('moves approvals before the start when the request names as many as policy wants after the first wave', () => {
    const afterFirstWave = () => ({
      required: 1,
      stage: 'after_first_wave',
      forbidSelfApproval: true,
      maintenanceWindow: false,
    });
    expect(approvalsFor([{}], afterFirstWave, undefined)).toMatchObject({
      required: 1,
      afterFirstWave: true,
    });
    expect(approvalsFor([{}], afterFirstWave, 1)).toMatchObject({ required: 1, afterFirstWave: false });
    expect(approvalsFor([{}], afterFirstWave, 0)).toMatchObject({ required: 1, afterFirstWave: true });
  });
});
