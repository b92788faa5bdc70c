import { describe, expect, it } from 'vitest';
import { decideUpgrade, type DecisionInput } from '@upkeep/policy';
import { gateFor } from './upgrade-evaluation.service.ts';

const now = new Date('2026-11-22T12:00:00Z');
const decide = (input: Partial<DecisionInput>) =>
  decideUpgrade({
    component: 'node_exporter',
    currentVersion: '1.7.0',
    targetVersion: '1.7.1',
    now,
    ...input,
  });

describe('gateFor', () => {
  it('proceeds with a safe upgrade', () => {
    expect(gateFor('node_exporter', decide({}), { skipSafetyChecks: false })).toEqual({
      verdict: 'proceed',
      note: null,
    });
  });

  it('is up to date when the target is installed', () => {
    expect(
      gateFor('node_exporter', decide({ targetVersion: '1.7.0' }), { skipSafetyChecks: false }),
    ).toMatchObject({ verdict: 'up_to_date' });
  });

  it('holds a major for approval, and says how to give it', () => {
    const gate = gateFor('node_exporter', decide({ targetVersion: '2.0.0' }), { skipSafetyChecks: false });
    expect(gate).toMatchObject({ verdict: 'held' });
    expect(gate.verdict === 'held' && gate.hint).toContain(
      'upkeep-agent upgrade node_exporter 2.0.0 --force',
    );
  });

  it('refuses an excluded version; --skip-safety-checks overrides it with a note', () => {
    const decision = decide({ excludedVersions: [{ version: '1.7.1', reason: 'memory leak' }] });
    const refused = gateFor('node_exporter', decision, { skipSafetyChecks: false });
    expect(refused).toMatchObject({ verdict: 'refused' });
    expect(refused.verdict === 'refused' && refused.reason).toContain('memory leak');
    const overridden = gateFor('node_exporter', decision, { skipSafetyChecks: true });
    expect(overridden.verdict === 'proceed' && overridden.note).toContain('--skip-safety-checks overrides');
  });

  it('holds an upgrade outside the maintenance window until it opens', () => {
    const decision = decide({
      maintenanceWindows: {
        enabled: true,
        windows: [{ day: 'sunday', start_time: '02:00', end_time: '06:00', timezone: 'UTC' }],
      },
    });
    const gate = gateFor('node_exporter', decision, { skipSafetyChecks: false });
    expect(gate).toMatchObject({ verdict: 'held' });
    expect(gate.verdict === 'held' && gate.reason).toContain('not before 2026-11-29T02:00');
  });
});
