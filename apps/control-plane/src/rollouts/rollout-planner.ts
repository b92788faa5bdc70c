import { UpkeepError } from '@upkeep/errors';
import type {
  CandidateHost,
  HostDecision,
  HostSelector,
  RolloutAction,
  RolloutRequest,
  RolloutSettings,
  RolloutState,
  WaveSettings,
} from './rollout.ts';

// Pure planning: no I/O, no clock. The service feeds it hosts and decisions; the driver its rows.

export type LabelTerm =
  | { readonly op: 'eq' | 'neq'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'exists' | 'absent'; readonly key: string };

const KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const VALUE = /^[A-Za-z0-9._/:-]*$/;

function invalidSelector(text: string, why: string): UpkeepError {
  return new UpkeepError('INPUT_INVALID', `label selector "${text}": ${why}`, {
    hint: 'terms separated by commas (all must hold): k=v, k!=v, k in (a,b), k notin (a,b), k, !k',
  });
}

/** Splits on commas outside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (depth < 0) throw invalidSelector(text, 'a ")" has no "("');
    if (char === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  if (depth !== 0) throw invalidSelector(text, 'a "(" is not closed');
  terms.push(current.trim());
  return terms;
}

/** Parses `k=v, k!=v, k in (a,b), k notin (a,b), k, !k` (comma = AND); empty text selects everything. */
export function parseLabelExpression(text: string): LabelTerm[] {
  if (text.trim() === '') return [];
  return splitTerms(text).map((term): LabelTerm => {
    if (term === '') throw invalidSelector(text, 'an empty term');
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
    if (set !== null) {
      const [, key = '', op = 'in', list = ''] = set;
      const values = list.split(',').map((value) => value.trim());
      if (!KEY.test(key)) throw invalidSelector(text, `"${key}" is not a label key`);
      if (values.some((value) => value === '' || !VALUE.test(value)))
        throw invalidSelector(text, `"${term}" lists an empty or invalid value`);
      return { op: op === 'in' ? 'in' : 'notin', key, values };
    }
    const pair = /^([^=!\s]+)\s*(!=|==|=)\s*(.*)$/.exec(term);
    if (pair !== null) {
      const [, key = '', op = '=', value = ''] = pair;
      if (!KEY.test(key)) throw invalidSelector(text, `"${key}" is not a label key`);
      if (!VALUE.test(value.trim())) throw invalidSelector(text, `"${value}" is not a label value`);
      return { op: op === '!=' ? 'neq' : 'eq', key, value: value.trim() };
    }
    const absent = /^!\s*(\S+)$/.exec(term);
    if (absent !== null) {
      const key = absent[1] ?? '';
      if (!KEY.test(key)) throw invalidSelector(text, `"${key}" is not a label key`);
      return { op: 'absent', key };
    }
    if (KEY.test(term)) return { op: 'exists', key: term };
    throw invalidSelector(text, `"${term}" is not a term`);
  });
}

export function matchesLabels(
  labels: Readonly<Record<string, string>>,
  terms: readonly LabelTerm[],
): boolean {
  return terms.every((term) => {
    const value = Object.hasOwn(labels, term.key) ? labels[term.key] : undefined;
    switch (term.op) {
      case 'eq':
        return value === term.value;
      case 'neq':
        return value !== term.value;
      case 'in':
        return value !== undefined && term.values.includes(value);
      case 'notin':
        return value === undefined || !term.values.includes(value);
      case 'exists':
        return value !== undefined;
      case 'absent':
        return value === undefined;
    }
  });
}

/** The host label that names a host's environment (as GET /api/check reads it). */
export const ENVIRONMENT_LABEL = 'env';

/**
 * Hosts the selector picks, in dispatch order (hostname, then id). A host in any of the groups (when
 * groups are given) whose labels satisfy the expression; a host labelled for another environment
 * (`env`) is never picked, an unlabelled one is.
 */
export function selectHosts<H extends CandidateHost>(
  hosts: readonly H[],
  selector: HostSelector,
  environment: string,
): H[] {
  const terms = parseLabelExpression(selector.labels ?? '');
  const groups = selector.groups ?? [];
  return hosts
    .filter((host) => {
      const env = host.labels[ENVIRONMENT_LABEL];
      if (env !== undefined && env !== environment) return false;
      if (groups.length > 0 && !host.groups.some((group) => groups.includes(group))) return false;
      return matchesLabels(host.labels, terms);
    })
    .sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : a.id < b.id ? -1 : 1));
}

const COUNT = /^[1-9]\d{0,6}$/;
const PERCENT = /^(100|[1-9]\d?)%$/;

/** A count ("3") or percent ("25%") of `total`, rounded up; never more than total. */
export function amountOf(text: string, total: number, what: string): number {
  if (COUNT.test(text)) return Math.min(Number(text), total);
  const percent = PERCENT.exec(text);
  if (percent !== null) return Math.min(total, Math.ceil((Number(percent[1]) * total) / 100));
  throw new UpkeepError('INPUT_INVALID', `${what} "${text}" is neither a count ("1") nor a percent ("25%")`);
}

/**
 * Splits ordered hosts into waves by cumulative size: `1`, `25%`, `100%` gives the first host, then hosts
 * up to a quarter of the selection, then the rest. The last wave always completes the selection.
 */
export function splitIntoWaves<T>(hosts: readonly T[], waves: readonly WaveSettings[]): T[][] {
  const result: T[][] = [];
  let taken = 0;
  waves.forEach((wave, index) => {
    const upTo =
      index === waves.length - 1
        ? hosts.length
        : Math.max(taken, amountOf(wave.size, hosts.length, 'wave size'));
    result.push(hosts.slice(taken, upTo));
    taken = upTo;
  });
  return result;
}

/** How many failed hosts trip a wave's threshold: at least one. */
export function failureLimit(threshold: string, waveHosts: number): number {
  return Math.max(1, amountOf(threshold, Math.max(waveHosts, 1), 'failure threshold'));
}

/** What the policy decision engine's action means for a rollout host. */
export function hostDecisionOf(action: string): HostDecision {
  switch (action) {
    case 'skip':
      return 'skip';
    case 'reject':
      return 'reject';
    case 'auto_approve':
      return 'auto';
    case 'recommend':
      return 'recommend';
    default:
      return 'manual';
  }
}

/** A rough per-host job time for the expected duration: download, swap, restart, health checks. */
export const EXPECTED_HOST_SECONDS = 30;

/** Batches of maxParallel hosts one after another, then the bake time. */
export function expectedWaveSeconds(
  hosts: number,
  wave: Pick<WaveSettings, 'maxParallel' | 'bakeSeconds'>,
): number {
  if (hosts === 0) return 0;
  return Math.ceil(hosts / Math.max(1, wave.maxParallel)) * EXPECTED_HOST_SECONDS + wave.bakeSeconds;
}

const TRANSITIONS: Readonly<
  Record<RolloutAction, { from: readonly RolloutState[]; to: RolloutState | null }>
> = {
  // A draft goes to awaiting_approval or scheduled, as its frozen plan says (submitChanges decides).
  submit: { from: ['draft'], to: null },
  approve: { from: ['awaiting_approval', 'running', 'paused', 'scheduled'], to: null },
  reject: { from: ['awaiting_approval', 'running', 'paused', 'scheduled'], to: 'aborted' },
  start: { from: ['scheduled'], to: 'running' },
  pause: { from: ['scheduled', 'running'], to: 'paused' },
  resume: { from: ['paused'], to: null },
  abort: { from: ['draft', 'awaiting_approval', 'scheduled', 'running', 'paused'], to: 'aborted' },
  'retry-failed': { from: ['paused', 'running', 'failed'], to: 'running' },
  complete: { from: ['running'], to: 'completed' },
  fail: { from: ['running'], to: 'failed' },
};

/**
 * The state `action` leads to from `state` (null: it depends, the caller decides), or CONFLICT naming
 * both when the action is not allowed there.
 */
export function transition(state: RolloutState, action: RolloutAction): RolloutState | null {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(state)) {
    throw new UpkeepError('CONFLICT', `cannot ${action} a rollout that is ${state}`, {
      details: { state, action, allowedFrom: rule.from },
      hint: `${action} is allowed from: ${rule.from.join(', ')}`,
    });
  }
  return rule.to;
}

/** Settings a request leaves out, per environment (versions.yaml `rollouts:`, or these built-ins). */
export const BUILTIN_ROLLOUT_DEFAULTS: RolloutSettings = {
  waves: [
    { name: 'canary', size: '1', maxParallel: 1, bakeSeconds: 300, failureThreshold: '1', approval: false },
    {
      name: 'early',
      size: '25%',
      maxParallel: 5,
      bakeSeconds: 300,
      failureThreshold: '10%',
      approval: false,
    },
    { name: 'rest', size: '100%', maxParallel: 10, bakeSeconds: 0, failureThreshold: '10%', approval: false },
  ],
  onFailure: 'pause',
  revertWaveOnFailure: true,
  rollbackOnAbort: false,
  offline: { deadlineSeconds: 600, countAs: 'failed' },
  waitsFor: [],
  gates: [],
};

/** The request's settings over the environment's defaults, validated; what the rollout freezes. */
export function resolveSettings(request: RolloutRequest, defaults: RolloutSettings): RolloutSettings {
  const waves = (request.waves ?? defaults.waves).map((wave) => ({
    ...wave,
    approval: wave.approval ?? false,
  }));
  if (waves.length === 0) throw new UpkeepError('INPUT_INVALID', 'a rollout needs at least one wave');
  const names = new Set<string>();
  for (const wave of waves) {
    if (names.has(wave.name))
      throw new UpkeepError('INPUT_INVALID', `wave name "${wave.name}" is used twice`);
    names.add(wave.name);
    amountOf(wave.size, 1, `wave ${wave.name} size`);
    amountOf(wave.failureThreshold, 1, `wave ${wave.name} failureThreshold`);
    if (!Number.isSafeInteger(wave.maxParallel) || wave.maxParallel < 1)
      throw new UpkeepError('INPUT_INVALID', `wave ${wave.name} maxParallel must be a positive integer`);
    if (!Number.isSafeInteger(wave.bakeSeconds) || wave.bakeSeconds < 0)
      throw new UpkeepError('INPUT_INVALID', `wave ${wave.name} bakeSeconds must be 0 or more`);
  }
  const offline = request.offline ?? defaults.offline;
  if (!Number.isSafeInteger(offline.deadlineSeconds) || offline.deadlineSeconds < 0)
    throw new UpkeepError('INPUT_INVALID', 'offline.deadlineSeconds must be 0 or more');
  return {
    waves,
    onFailure: request.onFailure ?? defaults.onFailure,
    revertWaveOnFailure: request.revertWaveOnFailure ?? defaults.revertWaveOnFailure,
    rollbackOnAbort: request.rollbackOnAbort ?? defaults.rollbackOnAbort,
    offline,
    waitsFor: [...new Set(request.waitsFor ?? defaults.waitsFor)],
    gates: request.gates ?? defaults.gates,
  };
}

/** Approvals a wave marked `approval` needs: as many as the rollout, at least one. */
export function waveApprovalsRequired(rolloutRequired: number): number {
  return Math.max(1, rolloutRequired);
}

const RISK_ORDER = ['none', 'low', 'medium', 'high', 'critical'];

/** The highest of several risk levels (unknown ones rank lowest). */
export function highestRisk(levels: readonly (string | null)[]): string {
  let best = 'none';
  for (const level of levels) {
    if (level !== null && RISK_ORDER.indexOf(level) > RISK_ORDER.indexOf(best)) best = level;
  }
  return best;
}

/**
 * The approvals a rollout needs from the policy's rule for each host's move (libs/policy
 * `approvalRequirement`): the highest count wins, asked before the start unless every host needing
 * that many may wait until the first wave is healthy; the request may ask for more, never fewer.
 * A maintenance window is required when any host's move requires one.
 */
export function approvalsFor<D>(
  decisions: readonly D[],
  rule: (decision: D) => {
    required: number;
    stage: string | null;
    forbidSelfApproval: boolean;
    maintenanceWindow: boolean;
  },
  requested: number | undefined,
): { required: number; afterFirstWave: boolean; forbidSelfApproval: boolean; maintenanceWindow: boolean } {
  let required = 0;
  let afterFirstWave = true;
  let forbidSelfApproval = true;
  let maintenanceWindow = false;
  for (const decision of decisions) {
    const need = rule(decision);
    if (!need.forbidSelfApproval) forbidSelfApproval = false;
    if (need.maintenanceWindow) maintenanceWindow = true;
    if (need.required > required) {
      required = need.required;
      afterFirstWave = need.stage === 'after_first_wave';
    } else if (need.required === required && need.stage !== 'after_first_wave') {
      afterFirstWave = false;
    }
  }
  // Approvals the request asks for are given before the start: an operator who names a count wants
  // the start gated, even when policy alone would have asked for them only after the first wave.
  if (requested !== undefined && requested > 0 && requested >= required) {
    required = requested;
    afterFirstWave = false;
  }
  return { required, afterFirstWave: required > 0 && afterFirstWave, forbidSelfApproval, maintenanceWindow };
}
