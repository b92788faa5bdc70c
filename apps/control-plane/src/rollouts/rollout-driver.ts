import {
  Inject,
  Injectable,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { isUpkeepError } from '@upkeep/errors';
import { signAssignment } from '@upkeep/assignment';
import { CONFIG, LOGGER } from '../common/tokens.ts';
import type { AppConfig } from '../config/app-config.ts';
import type { Actor } from '../audit/audit-event.ts';
import { BACKGROUND_OPTIONS, BackgroundWork, type BackgroundOptions } from '../outbox/background-work.ts';
import { UpstreamArtifactService, type ServedArtifact } from '../artifacts/upstream-artifact.service.ts';
import { ROLLOUT_GUARDS, type RolloutGuard, type RolloutGuardContext } from './rollout-guard.ts';
import { expectedWaveSeconds } from './rollout-planner.ts';
import type { RolloutState } from './rollout.ts';
import { RolloutRepository, type StepJob, type StepResult } from './rollout.repository.ts';
import {
  hostsToRevert,
  planDriverStep,
  promoteChanges,
  type RolloutSnapshot,
  type StepHost,
  type StepWave,
} from './rollout-step.ts';

/** The driver acts as the control plane itself in the audit trail. */
export const DRIVER_ACTOR: Actor = { type: 'system', id: 'rollout-driver' };

function messageOf(error: unknown): string {
  if (isUpkeepError(error))
    return error.hint === undefined ? error.message : `${error.message} (${error.hint})`;
  return error instanceof Error ? error.message : String(error);
}

function platformOf(host: Pick<StepHost, 'os' | 'arch'>): string {
  return `${host.os}-${host.arch}`;
}

/**
 * Moves rollouts forward. Every replica runs it on a tick; each step is one transaction holding the
 * rollout's row (FOR UPDATE SKIP LOCKED), so exactly one replica drives a rollout at a time and a host
 * is dispatched once. Nothing lives in memory or Redis that a restarted replica would need: the next
 * tick, on any replica, reads Postgres and carries on.
 */
@Injectable()
export class RolloutDriver implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly config: AppConfig;
  private readonly logger: Logger;
  private readonly options: BackgroundOptions;
  private readonly rollouts: RolloutRepository;
  private readonly artifacts: UpstreamArtifactService;
  private readonly background: BackgroundWork;
  private readonly guards: readonly RolloutGuard[];
  /** Artifacts already in the store, by component@version/platform: asked of upstream once per process. */
  private readonly served = new Map<string, ServedArtifact>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    @Inject(CONFIG) config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(BACKGROUND_OPTIONS) options: BackgroundOptions,
    @Inject(RolloutRepository) rollouts: RolloutRepository,
    @Inject(UpstreamArtifactService) artifacts: UpstreamArtifactService,
    @Inject(BackgroundWork) background: BackgroundWork,
    @Optional() @Inject(ROLLOUT_GUARDS) guards?: readonly RolloutGuard[],
  ) {
    this.config = config;
    this.logger = logger.child({ component: 'rollout-driver' });
    this.options = options;
    this.rollouts = rollouts;
    this.artifacts = artifacts;
    this.background = background;
    this.guards = guards ?? [];
  }

  onApplicationBootstrap(): void {
    if (this.options.rolloutDriver === false) return;
    const run = (): void => {
      if (this.stopped) return;
      this.running = this.tick()
        .then(() => undefined)
        .catch((error: unknown) => {
          this.logger.warn({ err: error }, 'rollout tick failed; retrying next tick');
        })
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(run, this.config.rolloutTickMs).unref();
        });
    };
    this.timer = setTimeout(run, 0).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over every rollout with work; returns how many this replica stepped. */
  async tick(): Promise<number> {
    let stepped = 0;
    for (const id of await this.rollouts.idsToDrive()) {
      if (this.stopped) break;
      try {
        if (await this.drive(id)) stepped += 1;
      } catch (error) {
        this.logger.warn({ err: error, rolloutId: id }, 'rollout step failed; retrying next tick');
      }
    }
    return stepped;
  }

  /** One step of one rollout; false when another replica is driving it right now. */
  async drive(id: string): Promise<boolean> {
    const preview = await this.rollouts.snapshot(id);
    if (preview === null) return false;
    // Downloads happen before the transaction: a slow upstream must not hold the rollout's row.
    const artifacts = await this.prefetch(preview);
    let sent = 0;
    const key = this.config.signingKey.privateKey;
    const stepped = await this.rollouts.step(
      id,
      DRIVER_ACTOR,
      async (snapshot, waitsFor, now) => {
        const result = await this.decide(snapshot, waitsFor, now, artifacts);
        sent = result.jobs.length;
        return result;
      },
      (payload) => signAssignment(payload, key),
    );
    if (sent > 0) this.background.nudge();
    return stepped;
  }

  private async prefetch(snapshot: RolloutSnapshot): Promise<Map<string, ServedArtifact | string>> {
    const found = new Map<string, ServedArtifact | string>();
    const { rollout } = snapshot;
    if (rollout.state !== 'running' && rollout.state !== 'scheduled') return found;
    const platforms = new Set(
      snapshot.hosts
        .filter(
          (host) =>
            host.waveIndex === rollout.currentWave &&
            (host.state === 'pending' || host.state === 'waiting_offline'),
        )
        .map((host) => `${host.os}\u0000${host.arch}`),
    );
    for (const platform of platforms) {
      const [os = '', arch = ''] = platform.split('\u0000');
      const cacheKey = `${rollout.component}@${rollout.targetVersion}/${os}-${arch}`;
      let artifact = this.served.get(cacheKey);
      if (artifact === undefined) {
        try {
          artifact = await this.artifacts.ensure(rollout.component, rollout.targetVersion, os, arch);
          this.served.set(cacheKey, artifact);
        } catch (error) {
          found.set(`${os}-${arch}`, messageOf(error));
          continue;
        }
      }
      found.set(`${os}-${arch}`, artifact);
    }
    return found;
  }

  private async decide(
    snapshot: RolloutSnapshot,
    waitsFor: { id: string; state: RolloutState }[],
    now: Date,
    artifacts: Map<string, ServedArtifact | string>,
  ): Promise<StepResult> {
    const step = planDriverStep(snapshot, { now, waitsFor });
    const changes = step.changes;
    const jobs: StepJob[] = hostsToRevert(snapshot, changes).map((host) => ({
      host,
      kind: 'rollback',
      artifact: null,
    }));
    const hold = (reason: string): void => {
      if ((changes.rollout.reason ?? snapshot.rollout.reason) !== reason) changes.rollout.reason = reason;
    };
    if (step.dispatch !== null) {
      const { wave, hosts } = step.dispatch;
      const missing = [...new Set(hosts.map(platformOf))]
        .map((platform) => ({ platform, artifact: artifacts.get(platform) }))
        .filter((entry) => typeof entry.artifact !== 'object');
      if (missing.length > 0) {
        hold(
          `no artifact yet for ${missing
            .map(
              (entry) =>
                `${entry.platform}${typeof entry.artifact === 'string' ? `: ${entry.artifact}` : ''}`,
            )
            .join('; ')}`,
        );
      } else {
        const remaining = snapshot.hosts.filter(
          (host) =>
            host.waveIndex === wave.index && (host.state === 'pending' || host.state === 'waiting_offline'),
        ).length;
        const verdict = await this.consult(
          snapshot,
          wave,
          'dispatch',
          hosts,
          now,
          expectedWaveSeconds(remaining, wave),
        );
        if (verdict === null) {
          for (const host of hosts) {
            const artifact = artifacts.get(platformOf(host));
            if (typeof artifact === 'object') jobs.push({ host, kind: 'upgrade', artifact });
          }
          if (snapshot.rollout.reason !== null && changes.rollout.reason === undefined)
            changes.rollout.reason = null;
        } else {
          hold(verdict);
        }
      }
    }
    if (step.promote !== null) {
      const wave = step.promote.wave;
      const upgraded = snapshot.hosts.filter(
        (host) => host.waveIndex === wave.index && host.state === 'succeeded',
      );
      const next = snapshot.waves.find((candidate) => candidate.index === wave.index + 1);
      const nextHosts = snapshot.hosts.filter((host) => host.waveIndex === wave.index + 1).length;
      const verdict = await this.consult(
        snapshot,
        wave,
        'promote',
        upgraded,
        now,
        next === undefined ? 0 : expectedWaveSeconds(nextHosts, next),
      );
      if (verdict === null) promoteChanges(snapshot, step, now);
      else hold(verdict);
    }
    return { changes, jobs };
  }

  /** Asks every guard in order; null when all agree, else the first refusal as `name: reason`. */
  private async consult(
    snapshot: RolloutSnapshot,
    wave: StepWave,
    phase: 'dispatch' | 'promote',
    hosts: readonly StepHost[],
    now: Date,
    expectedSeconds: number,
  ): Promise<string | null> {
    if (this.guards.length === 0) return null;
    const context: RolloutGuardContext = {
      rolloutId: snapshot.rollout.id,
      componentName: snapshot.rollout.component,
      environment: snapshot.rollout.environment,
      targetVersion: snapshot.rollout.targetVersion,
      phase,
      waveIndex: wave.index,
      waveName: wave.name,
      hosts: hosts.map((host) => ({ id: host.hostId, hostname: host.hostname, groups: host.groups })),
      expectedDurationMs: expectedSeconds * 1000,
      waitsFor: snapshot.rollout.settings.waitsFor,
      now,
    };
    for (const guard of this.guards) {
      try {
        const verdict = await guard.check(context);
        if (!verdict.ok) return `${guard.name}: ${verdict.reason}`;
      } catch (error) {
        // A guard that cannot answer holds the wave: promoting on an unknown is what guards prevent.
        return `${guard.name}: could not check (${messageOf(error)})`;
      }
    }
    return null;
  }
}
