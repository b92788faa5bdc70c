import {
  Inject,
  Injectable,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { errorMessage } from '@upkeep/errors';
import { signAssignment } from '@upkeep/assignment';
import { CLOCK, CONFIG, LOGGER } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { AppConfig } from '../config/app-config.ts';
import type { Actor } from '../audit/audit-event.ts';
import { BACKGROUND_OPTIONS, BackgroundWork, type BackgroundOptions } from '../outbox/background-work.ts';
import { UpstreamArtifactService, type ServedArtifact } from '../artifacts/upstream-artifact.service.ts';
import {
  ROLLOUT_GUARDS,
  type RolloutGuard,
  type RolloutGuardContext,
  type RolloutGuardVerdict,
} from './rollout-guard.ts';
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

function platformOf(host: Pick<StepHost, 'os' | 'arch'>): string {
  return `${host.os}-${host.arch}`;
}

/** Platforms of these hosts with no artifact in the store yet (the entry is the upstream's error, if any). */
function missingArtifacts(
  hosts: readonly StepHost[],
  artifacts: Map<string, ServedArtifact | string>,
): { platform: string; artifact: string | undefined }[] {
  return [...new Set(hosts.map(platformOf))].flatMap((platform) => {
    const artifact = artifacts.get(platform);
    return typeof artifact === 'object' ? [] : [{ platform, artifact }];
  });
}

/** What the guards said, before the row lock, about the step the preview snapshot called for. */
interface GuardVerdicts {
  readonly phase: 'dispatch' | 'promote';
  readonly waveIndex: number;
  /** Hosts (`hostId`) every guard allowed to be dispatched; empty for a promotion. */
  readonly allowed: ReadonlySet<string>;
  /** Null: every guard agreed to everything asked; else why some or all hosts (or the promotion) wait. */
  readonly reason: string | null;
}

/**
 * Moves rollouts forward. Every replica runs it on a tick; each step is one transaction holding the
 * rollout's row (FOR UPDATE SKIP LOCKED), so exactly one replica drives a rollout at a time and a host
 * is dispatched once. Artifact downloads and the guards run before that transaction, on a snapshot
 * read without the lock; the transaction dispatches only hosts the guards allowed for the very step
 * it plans itself. Nothing lives in memory or Redis that a restarted replica would need: the next
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
  private readonly clock: Clock;
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
    @Inject(CLOCK) clock: Clock,
    @Optional() @Inject(ROLLOUT_GUARDS) guards?: readonly RolloutGuard[],
  ) {
    this.config = config;
    this.logger = logger.child({ component: 'rollout-driver' });
    this.options = options;
    this.rollouts = rollouts;
    this.artifacts = artifacts;
    this.background = background;
    this.clock = clock;
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
    // So do the guards: a Prometheus that takes its whole timeout must not keep the row locked
    // while an operator's pause or abort waits for it. The step re-plans under the lock and uses
    // these verdicts only for the same step; anything else waits for the next tick.
    const verdicts = await this.askGuards(preview, artifacts);
    let sent = 0;
    const key = this.config.signingKey.privateKey;
    const stepped = await this.rollouts.step(
      id,
      DRIVER_ACTOR,
      (snapshot, waitsFor, now) => {
        const result = this.decide(snapshot, waitsFor, now, artifacts, verdicts);
        sent = result.jobs.length;
        return Promise.resolve(result);
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
          found.set(`${os}-${arch}`, errorMessage(error, { withHint: true }));
          continue;
        }
      }
      found.set(`${os}-${arch}`, artifact);
    }
    return found;
  }

  /**
   * Plans the step the preview snapshot calls for and asks the guards about its dispatch or
   * promotion; null when that step needs no guard (or cannot go anyway for want of an artifact).
   */
  private async askGuards(
    preview: RolloutSnapshot,
    artifacts: Map<string, ServedArtifact | string>,
  ): Promise<GuardVerdicts | null> {
    const { rollout } = preview;
    if (rollout.state !== 'running' && rollout.state !== 'scheduled') return null;
    // Only a scheduled rollout looks at the rollouts it waits for (planDriverStep).
    const waitsFor =
      rollout.state === 'scheduled'
        ? (await this.rollouts.statesOf(rollout.settings.waitsFor)).map((other) => ({
            id: other.id,
            state: other.state,
          }))
        : [];
    const now = this.clock.now();
    const step = planDriverStep(preview, { now, waitsFor });
    if (step.dispatch !== null) {
      const { wave, candidates } = step.dispatch;
      if (missingArtifacts(candidates, artifacts).length > 0) return null;
      const remaining = preview.hosts.filter(
        (host) =>
          host.waveIndex === wave.index && (host.state === 'pending' || host.state === 'waiting_offline'),
      ).length;
      const verdict = await this.consult(
        preview,
        wave,
        'dispatch',
        candidates,
        now,
        expectedWaveSeconds(remaining, wave),
      );
      return { phase: 'dispatch', waveIndex: wave.index, ...verdict };
    }
    if (step.promote !== null) {
      const wave = step.promote.wave;
      const upgraded = preview.hosts.filter(
        (host) => host.waveIndex === wave.index && host.state === 'succeeded',
      );
      const next = preview.waves.find((candidate) => candidate.index === wave.index + 1);
      const nextHosts = preview.hosts.filter((host) => host.waveIndex === wave.index + 1).length;
      const verdict = await this.consult(
        preview,
        wave,
        'promote',
        upgraded,
        now,
        next === undefined ? 0 : expectedWaveSeconds(nextHosts, next),
      );
      return { phase: 'promote', waveIndex: wave.index, ...verdict };
    }
    return null;
  }

  /** Under the rollout's row lock: re-plans from the locked snapshot and acts on the guards' verdicts. */
  private decide(
    snapshot: RolloutSnapshot,
    waitsFor: { id: string; state: RolloutState }[],
    now: Date,
    artifacts: Map<string, ServedArtifact | string>,
    verdicts: GuardVerdicts | null,
  ): StepResult {
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
    // The verdicts count only for the step they were asked about: same phase, same wave.
    const covering = (phase: GuardVerdicts['phase'], waveIndex: number): GuardVerdicts | null =>
      verdicts !== null && verdicts.phase === phase && verdicts.waveIndex === waveIndex ? verdicts : null;
    if (step.dispatch !== null) {
      const { wave, hosts, candidates } = step.dispatch;
      const missing = missingArtifacts(candidates, artifacts);
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
        const given = covering('dispatch', wave.index);
        // Only hosts every guard allowed, up to the free slots; a host the guards were not asked
        // about (the rollout moved since the preview) waits for the next tick.
        const chosen = candidates
          .filter((host) => given?.allowed.has(host.hostId) === true)
          .slice(0, hosts.length);
        for (const host of chosen) {
          const artifact = artifacts.get(platformOf(host));
          if (typeof artifact === 'object') jobs.push({ host, kind: 'upgrade', artifact });
        }
        if (given !== null && given.reason !== null) hold(given.reason);
        else if (
          chosen.length > 0 &&
          snapshot.rollout.reason !== null &&
          changes.rollout.reason === undefined
        )
          changes.rollout.reason = null;
      }
    }
    if (step.promote !== null) {
      const wave = step.promote.wave;
      const given = covering('promote', wave.index);
      if (given !== null) {
        if (given.reason === null) promoteChanges(snapshot, step, now);
        else hold(given.reason);
      }
    }
    return { changes, jobs };
  }

  /**
   * Asks every guard in order. For a dispatch, each guard is asked about the hosts the ones before
   * it allowed, and may allow only some of them; for a promotion, anything short of `ok: true` holds.
   * Returns the hosts (`hostId`) every guard allowed and why the others wait (null: none waits).
   */
  private async consult(
    snapshot: RolloutSnapshot,
    wave: StepWave,
    phase: 'dispatch' | 'promote',
    hosts: readonly StepHost[],
    now: Date,
    expectedSeconds: number,
  ): Promise<{ allowed: ReadonlySet<string>; reason: string | null }> {
    const refused = (reason: string): { allowed: ReadonlySet<string>; reason: string } => ({
      allowed: new Set(),
      reason,
    });
    let remaining = hosts;
    const waits: string[] = [];
    for (const guard of this.guards) {
      const context: RolloutGuardContext = {
        rolloutId: snapshot.rollout.id,
        componentName: snapshot.rollout.component,
        environment: snapshot.rollout.environment,
        targetVersion: snapshot.rollout.targetVersion,
        phase,
        waveIndex: wave.index,
        waveName: wave.name,
        hosts: remaining.map((host) => ({ id: host.hostId, hostname: host.hostname, groups: host.groups })),
        expectedDurationMs: expectedSeconds * 1000,
        waitsFor: snapshot.rollout.settings.waitsFor,
        now,
      };
      let verdict: RolloutGuardVerdict;
      try {
        verdict = await guard.check(context);
      } catch (error) {
        // A guard that cannot answer holds the wave: promoting on an unknown is what guards prevent.
        return refused(`${guard.name}: could not check (${errorMessage(error, { withHint: true })})`);
      }
      if (verdict.ok === true) continue;
      if (verdict.ok === false || phase === 'promote') return refused(`${guard.name}: ${verdict.reason}`);
      const allowed = new Set(verdict.allowedHostIds);
      const kept = remaining.filter((host) => allowed.has(host.hostId));
      if (kept.length === 0) return refused(`${guard.name}: ${verdict.reason}`);
      const until = verdict.retryAt === undefined ? '' : ` until ${verdict.retryAt.toISOString()}`;
      waits.push(
        `${guard.name}: ${String(remaining.length - kept.length)} host(s) wait${until}: ${verdict.reason}`,
      );
      remaining = kept;
    }
    return {
      allowed: new Set(remaining.map((host) => host.hostId)),
      reason: waits.length === 0 ? null : waits.join('; '),
    };
  }
}
