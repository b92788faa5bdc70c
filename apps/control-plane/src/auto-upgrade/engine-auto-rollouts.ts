import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '../audit/audit-event.ts';
import { FleetCheckService } from '../check/fleet-check.service.ts';
import { ENVIRONMENT_LABEL } from '../rollouts/rollout-planner.ts';
import { RolloutService } from '../rollouts/rollout.service.ts';
import type { RolloutRequest } from '../rollouts/rollout.ts';
import type { AutoUpgradePlan } from './auto-upgrade-decision.ts';
import { AUTO_UPGRADE_ACTOR, type AutoRolloutPort, type AutoRolloutRequest } from './auto-upgrade.service.ts';

/** Auto-created rollouts are recorded as the control plane's own doing. */
const ACTOR: Actor = { type: 'system', id: AUTO_UPGRADE_ACTOR };

/**
 * The rollout engine behind auto-upgrade: the environment's strategy resolves the target, the
 * engine plans and creates with the environment's defaults (no overrides). Only hosts labelled for
 * the environment (`env=<environment>`) are selected: an unlabelled host is never moved by itself.
 */
@Injectable()
export class EngineAutoRollouts implements AutoRolloutPort {
  private readonly rollouts: RolloutService;
  private readonly check: FleetCheckService;

  constructor(
    @Inject(RolloutService) rollouts: RolloutService,
    @Inject(FleetCheckService) check: FleetCheckService,
  ) {
    this.rollouts = rollouts;
    this.check = check;
  }

  async resolveTarget(environment: string, component: string): Promise<string> {
    return this.check.resolveTargetVersion(environment, component);
  }

  async plan(request: AutoRolloutRequest): Promise<AutoUpgradePlan> {
    const plan = await this.rollouts.plan(requestOf(request));
    return {
      component: plan.component,
      environment: plan.environment,
      targetVersion: plan.targetVersion,
      requiredApprovals: plan.requiredApprovals,
      hosts: plan.waves.flatMap((wave) =>
        wave.hosts.map((host) => ({
          hostname: host.hostname,
          decision: host.decision,
          riskLevel: host.riskLevel,
        })),
      ),
      frozen: plan,
    };
  }

  async create(request: AutoRolloutRequest, plan: AutoUpgradePlan): Promise<{ readonly id: string }> {
    const view =
      plan.frozen === undefined
        ? await this.rollouts.create(requestOf(request), ACTOR)
        : await this.rollouts.createFromPlan(plan.frozen, requestOf(request), ACTOR);
    return { id: view.id };
  }
}

function requestOf(request: AutoRolloutRequest): RolloutRequest {
  return {
    component: request.component,
    environment: request.environment,
    target: { version: request.targetVersion },
    selector: { labels: `${ENVIRONMENT_LABEL}=${request.environment}` },
  };
}
