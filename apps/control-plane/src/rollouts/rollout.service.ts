import { Inject, Injectable } from '@nestjs/common';
import { UpkeepError } from '@upkeep/errors';
import { approvalRequirement, effectiveComponent, rolloutSettings } from '@upkeep/policy';
import { compareVersions, parseVersion } from '@upkeep/versioning';
import { CONFIG } from '../common/tokens.ts';
import type { AppConfig } from '../config/app-config.ts';
import type { Actor, Page } from '../audit/audit-event.ts';
import { FleetCheckService } from '../check/fleet-check.service.ts';
import {
  approvalsFor,
  BUILTIN_ROLLOUT_DEFAULTS,
  expectedWaveSeconds,
  highestRisk,
  hostDecisionOf,
  resolveSettings,
  selectHosts,
  splitIntoWaves,
} from './rollout-planner.ts';
import type {
  HostPlan,
  RolloutFilter,
  RolloutPlan,
  RolloutRequest,
  RolloutSettings,
  RolloutView,
} from './rollout.ts';
import { RolloutRepository } from './rollout.repository.ts';
import {
  abortChanges,
  approveChanges,
  pauseChanges,
  resumeChanges,
  retryFailedChanges,
  submitChanges,
} from './rollout-step.ts';

/**
 * The environment's rollout defaults: versions.yaml `upgrade_policies.rollouts` <
 * `environments.<env>.rollouts` (libs/policy `rolloutSettings`; an environment versions.yaml does not
 * define gets the top-level defaults); without a versions.yaml the built-in defaults, which are the
 * policy's own when it says nothing.
 */
export function rolloutDefaultsFor(config: AppConfig, environment: string): RolloutSettings {
  const policy = config.policy?.config ?? null;
  if (policy === null) return BUILTIN_ROLLOUT_DEFAULTS;
  const settings = rolloutSettings(
    policy,
    Object.hasOwn(policy.environments, environment) ? environment : undefined,
  );
  return {
    ...settings,
    waitsFor: [],
    gates: settings.gates.map((gate) => ({
      query: gate.query,
      successCondition: gate.successCondition,
      for: `${String(gate.forSeconds)}s`,
    })),
  };
}

/** Whether moving from `from` to `to` passes `version` (from < version <= to); unreadable versions count. */
function crosses(from: string | null, version: string, to: string): boolean {
  try {
    const target = parseVersion(to);
    const at = parseVersion(version);
    if (compareVersions(at, target) > 0) return false;
    return from === null || compareVersions(parseVersion(from), at) < 0;
  } catch {
    return true;
  }
}

/** Plans, creates and steers rollouts; the driver (rollout-driver.ts) moves them. */
@Injectable()
export class RolloutService {
  private readonly config: AppConfig;
  private readonly rollouts: RolloutRepository;
  private readonly check: FleetCheckService;

  constructor(
    @Inject(CONFIG) config: AppConfig,
    @Inject(RolloutRepository) rollouts: RolloutRepository,
    @Inject(FleetCheckService) check: FleetCheckService,
  ) {
    this.config = config;
    this.rollouts = rollouts;
    this.check = check;
  }

  /** What a rollout would do, changing nothing: waves with hosts and decisions, risk, duration, approvals. */
  async plan(request: RolloutRequest): Promise<RolloutPlan> {
    const policy = this.config.policy?.config ?? null;
    if (policy === null || !Object.hasOwn(policy.components, request.component)) {
      throw new UpkeepError(
        'UNKNOWN_COMPONENT',
        policy === null
          ? 'the control plane has no versions.yaml (UPKEEP_POLICY_FILE): rollouts need a component it discovers'
          : `component ${request.component} is not in the control plane's versions.yaml`,
        { hint: 'rollouts move components the control plane discovers; add it to versions.yaml' },
      );
    }
    // Names an unknown environment (UNKNOWN_ENVIRONMENT, listing the known ones) before any host is judged.
    effectiveComponent(policy, request.environment, request.component);
    const targetVersion =
      'version' in request.target
        ? request.target.version
        : await this.check.resolveTargetVersion(
            request.environment,
            request.component,
            request.target.strategy,
          );
    const settings = resolveSettings(request, rolloutDefaultsFor(this.config, request.environment));
    const order = await this.rollouts.statesOf(settings.waitsFor);
    const unknown = settings.waitsFor.filter((id) => !order.some((other) => other.id === id));
    if (unknown.length > 0) {
      throw new UpkeepError('NOT_FOUND', `waitsFor names rollouts that do not exist: ${unknown.join(', ')}`);
    }
    const selected = selectHosts(await this.rollouts.candidateHosts(), request.selector, request.environment);
    const decisions = await this.check.decideTarget({
      component: request.component,
      environment: request.environment,
      targetVersion,
      hostIds: selected.map((host) => host.id),
    });
    const plans: HostPlan[] = selected.map((host) => {
      const row = decisions.get(host.id);
      const base = {
        hostId: host.id,
        hostname: host.hostname,
        groups: host.groups,
        os: host.os,
        arch: host.arch,
      };
      if (row === undefined) {
        return {
          ...base,
          currentVersion: null,
          decision: 'skip',
          riskLevel: null,
          warnings: [],
          message: `does not run ${request.component}`,
        };
      }
      if (row.decision === null) {
        return {
          ...base,
          currentVersion: row.currentVersion,
          decision: 'reject',
          riskLevel: null,
          warnings: [],
          message: row.message,
        };
      }
      const decision = hostDecisionOf(row.decision.action);
      return {
        ...base,
        currentVersion: row.currentVersion,
        decision,
        riskLevel: row.decision.riskLevel,
        warnings: row.decision.warnings,
        message:
          decision === 'skip'
            ? `already at ${row.currentVersion}`
            : decision === 'reject'
              ? `refused by policy: ${row.decision.failedChecks.join(', ') || row.decision.warnings.join('; ')}`
              : null,
      };
    });
    const actionable = plans.filter((host) => host.decision !== 'skip' && host.decision !== 'reject');
    const idle = plans.filter((host) => host.decision === 'skip' || host.decision === 'reject');
    const requirement = approvalsFor(
      actionable.map((host) => decisions.get(host.hostId)?.upgrade).filter((d) => d !== undefined),
      (decision) => approvalRequirement(policy, request.environment, decision),
      request.requiredApprovals,
    );
    let waves = settings.waves;
    const required = requirement.required;
    if (requirement.afterFirstWave) {
      if (waves.length >= 2)
        waves = waves.map((wave, index) => (index === 1 ? { ...wave, approval: true } : wave));
    }
    // The guard (rollout-guards/maintenance-window.guard.ts) reads this frozen flag: a move the
    // policy holds to a maintenance window keeps the whole rollout inside windows.
    const frozen: RolloutSettings = requirement.maintenanceWindow
      ? { ...settings, waves, maintenanceWindow: true }
      : { ...settings, waves };
    const split = splitIntoWaves(actionable, waves);
    const last = split.length - 1;
    const wavePlans = waves.map((wave, index) => {
      const hosts = [...(split[index] ?? []), ...(index === last ? idle : [])];
      return {
        ...wave,
        index,
        hosts,
        expectedDurationSeconds: expectedWaveSeconds(split[index]?.length ?? 0, wave),
      };
    });
    const notes = await this.rollouts.componentNotes(request.component);
    return {
      component: request.component,
      environment: request.environment,
      targetVersion,
      settings: frozen,
      waves: wavePlans,
      risk: highestRisk(actionable.map((host) => host.riskLevel)),
      breakingChanges: notes.breakingChanges.filter((change) =>
        actionable.some((host) => crosses(host.currentVersion, change.version, targetVersion)),
      ),
      advisories: notes.advisories,
      expectedDurationSeconds: wavePlans.reduce((sum, wave) => sum + wave.expectedDurationSeconds, 0),
      requiredApprovals: required,
      approvalBeforeStart: required > 0 && !(requirement.afterFirstWave && waves.length >= 2),
      forbidSelfApproval: requirement.forbidSelfApproval,
      maintenanceWindow: requirement.maintenanceWindow,
      order: order.map((other) => ({ rolloutId: other.id, component: other.component, state: other.state })),
    };
  }

  /** Plans and stores the rollout; a draft is stored the same way but waits for `submit`. */
  async create(
    request: RolloutRequest,
    actor: Actor,
    options: { draft?: boolean } = {},
  ): Promise<RolloutView> {
    return this.createFromPlan(await this.plan(request), request, actor, options);
  }

  /** Stores a rollout as `plan` (made by `plan(request)`) froze it: what was judged is what runs. */
  async createFromPlan(
    plan: RolloutPlan,
    request: RolloutRequest,
    actor: Actor,
    options: { draft?: boolean } = {},
  ): Promise<RolloutView> {
    return this.rollouts.create(
      {
        component: plan.component,
        environment: plan.environment,
        targetVersion: plan.targetVersion,
        target: request.target,
        selector: request.selector,
        settings: plan.settings,
        state:
          options.draft === true ? 'draft' : plan.approvalBeforeStart ? 'awaiting_approval' : 'scheduled',
        requiredApprovals: plan.requiredApprovals,
        forbidSelfApproval: plan.forbidSelfApproval,
        approvalBeforeStart: plan.approvalBeforeStart,
        risk: plan.risk,
        breakingChanges: plan.breakingChanges,
        advisories: plan.advisories,
        expectedDurationSeconds: plan.expectedDurationSeconds,
        waves: plan.waves.map((wave) => ({
          hosts: wave.hosts.map((host) => ({
            hostId: host.hostId,
            hostname: host.hostname,
            decision: host.decision,
            currentVersion: host.currentVersion,
            riskLevel: host.riskLevel,
            warnings: host.warnings,
            skipped:
              host.decision === 'skip' || host.decision === 'reject' ? (host.message ?? host.decision) : null,
          })),
        })),
      },
      actor,
    );
  }

  async get(id: string): Promise<RolloutView> {
    const view = await this.rollouts.find(id);
    if (view === null) throw new UpkeepError('NOT_FOUND', `rollout ${id} does not exist`);
    return view;
  }

  list(filter: RolloutFilter): Promise<Page<RolloutView>> {
    return this.rollouts.list(filter);
  }

  decide(
    id: string,
    actor: Actor,
    decision: 'approve' | 'reject',
    comment: string,
    wave: number | null,
  ): Promise<RolloutView> {
    return this.rollouts.mutate(id, actor, (snapshot, now) =>
      approveChanges(snapshot, actor.id, decision, comment, wave, now),
    );
  }

  submit(id: string, actor: Actor): Promise<RolloutView> {
    return this.rollouts.mutate(id, actor, submitChanges);
  }

  pause(id: string, actor: Actor): Promise<RolloutView> {
    return this.rollouts.mutate(id, actor, pauseChanges);
  }

  resume(id: string, actor: Actor): Promise<RolloutView> {
    return this.rollouts.mutate(id, actor, resumeChanges);
  }

  abort(id: string, actor: Actor, rollback: boolean | undefined): Promise<RolloutView> {
    return this.rollouts.mutate(id, actor, (snapshot, now) =>
      abortChanges(snapshot, actor.id, rollback, now),
    );
  }

  retryFailed(id: string, actor: Actor): Promise<RolloutView> {
    return this.rollouts.mutate(id, actor, retryFailedChanges);
  }
}
