import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { downloadArtifact, type JobResult, type StepReporter } from '@upkeep/agent-client';
import type { AssignmentPayload } from '@upkeep/assignment';
import { UpkeepError, isUpkeepError } from '@upkeep/errors';
import { expandTemplate, parsePlatform, platformFromNode } from '@upkeep/sources';
import { UpgradeExecutor } from '../install/upgrade-executor.service.ts';
import type { AgentContext } from '../runtime/agent-context.repository.ts';
import { cleanup } from './cleanup.service.ts';
import { rollbackComponent } from './rollback.service.ts';
import { artifactSpecFor } from './upgrade-flow.service.ts';

/** What the agent needs to fetch an artifact from the control plane's cache. */
export interface FleetCredentials {
  readonly credential: string;
  readonly caPem: string | undefined;
}

/**
 * Why the agent rolled back, from the step that failed: a bounded set of values, since
 * the control plane turns it into a metric label (upkeep_rollbacks_total{reason}).
 */
export function rollbackReasonOf(step: string | null): string {
  switch (step) {
    case 'health':
      return 'health_check';
    case 'start':
      return 'start_failed';
    case 'stop':
    case 'swap':
      return 'install_failed';
    case null:
    default:
      return 'other';
  }
}

function failure(error: unknown): JobResult {
  const known = isUpkeepError(error)
    ? error
    : new UpkeepError('INTERNAL', error instanceof Error ? error.message : String(error), { cause: error });
  const rolledBack = known.details['rolledBack'] === true;
  const step = typeof known.details['failedStep'] === 'string' ? known.details['failedStep'] : null;
  return {
    outcome: 'failed',
    message: known.message,
    details: {
      code: known.code,
      hint: known.hint ?? null,
      rolled_back: rolledBack,
      rollback_reason: rolledBack ? rollbackReasonOf(step) : null,
      step,
    },
  };
}

/**
 * An upgrade assigned by the control plane: the artifact and its sha256 come
 * from the signed assignment (the control plane decided), and everything on
 * the host runs through the same executor as `upkeep-agent upgrade`: verify,
 * extract, rollback point, stop, atomic swap, start, health and version
 * checks, automatic rollback, all journaled.
 */
async function upgradeFromAssignment(
  ctx: AgentContext,
  assignment: AssignmentPayload,
  steps: StepReporter,
  credentials: FleetCredentials,
): Promise<JobResult> {
  const name = assignment.component;
  const version = assignment.targetVersion;
  const artifact = assignment.artifact;
  if (version === null || artifact === null) {
    throw new UpkeepError('INPUT_INVALID', `the upgrade of ${name} names no target version or artifact`);
  }
  const component = ctx.component(name);
  const download = component.download ?? {};
  const current = ctx.installed.find(name)?.version ?? null;
  if (current === version) {
    return { outcome: 'succeeded', message: `${name}: ${version} is already installed`, details: {} };
  }
  const platform =
    component.constraints.architecture === undefined
      ? platformFromNode(process.platform, process.arch)
      : parsePlatform(component.constraints.architecture);
  const fileName =
    download.archive_pattern === undefined
      ? `${name}-${version}`
      : expandTemplate(
          download.archive_pattern,
          { VERSION: version, TAG: version, OS: platform.os, ARCH: platform.arch },
          { field: `components.${name}.download.archive_pattern` },
        );
  const spec = await artifactSpecFor(ctx, name, {
    component: name,
    tag: version,
    version,
    publishedAt: null,
    notes: '',
    assetUrl: artifact.url,
    fileName,
    size: null,
    sha256: artifact.sha256,
    checksumSource: 'the signed assignment',
    signature: null,
  });
  // Fetched with the agent credential (and the control plane's CA) straight into the
  // executor's cache slot; the executor hashes it again before using it.
  const destination = join(ctx.locations.artifactCache, name, version, spec.fileName);
  await mkdir(dirname(destination), { recursive: true });
  await downloadArtifact({
    url: artifact.url,
    sha256: artifact.sha256,
    credential: credentials.credential,
    destination,
    caPem: credentials.caPem === undefined ? undefined : Buffer.from(credentials.caPem),
  });
  let index = 0;
  await steps.step(index++, 'fetch', 'succeeded', `${artifact.url} (sha256 ${artifact.sha256})`);
  const executor = new UpgradeExecutor(
    ctx.executorDeps({
      after: async (step) => {
        await steps.step(index++, step, 'succeeded');
      },
    }),
  );
  try {
    const result = await executor.execute({
      runtime: ctx.runtime(name),
      fromVersion: current,
      toVersion: version,
      method: 'manual',
      artifact: { ...spec, headers: { authorization: `Bearer ${credentials.credential}` } },
      autoRollback: ctx.global.safety.rollback.auto_rollback_on_failure,
      changelog: null,
    });
    return {
      outcome: 'succeeded',
      message:
        current === null
          ? `${name}: ${version} installed and healthy`
          : `${name}: ${current} -> ${version}, healthy (downtime ${String(result.downtimeMs)} ms)`,
      details: {
        operation_id: result.operationId,
        from_version: current,
        to_version: version,
        downtime_ms: result.downtimeMs,
        rollback_point_id: result.rollbackPointId,
        sha256: result.sha256,
      },
    };
  } catch (error) {
    const result = failure(error);
    const step = result.details?.['step'];
    await steps.step(index, typeof step === 'string' ? step : 'upgrade', 'failed', result.message);
    return result;
  }
}

/**
 * Runs one verified assignment with the local flows of the CLI. Only the three
 * kinds the protocol knows exist; there is no way to run a command of the
 * control plane's choosing.
 */
export async function runFleetJob(
  ctx: AgentContext,
  assignment: AssignmentPayload,
  steps: StepReporter,
  credentials: FleetCredentials,
): Promise<JobResult> {
  ctx.log.event('fleet_job_started', {
    job_id: assignment.jobId,
    kind: assignment.kind,
    component: assignment.component,
    target_version: assignment.targetVersion,
  });
  const startedAt = ctx.now();
  let result: JobResult;
  try {
    switch (assignment.kind) {
      case 'upgrade':
        result = await upgradeFromAssignment(ctx, assignment, steps, credentials);
        break;
      case 'rollback': {
        ctx.component(assignment.component);
        const done = await rollbackComponent(ctx, assignment.component, null);
        await steps.step(0, 'rollback', 'succeeded', `${done.fromVersion ?? '(none)'} -> ${done.toVersion}`);
        result = {
          outcome: 'succeeded',
          message: `${assignment.component}: rolled back ${done.fromVersion ?? '(none)'} -> ${done.toVersion}, healthy`,
          details: {
            from_version: done.fromVersion,
            to_version: done.toVersion,
            rollback_point_id: done.rollbackPointId,
            operation_id: done.operationId,
          },
        };
        break;
      }
      case 'cleanup': {
        const report = await cleanup(ctx);
        await steps.step(0, 'cleanup', 'succeeded', `${String(report.bytes_freed)} bytes freed`);
        result = { outcome: 'succeeded', message: 'cleanup done', details: { ...report } };
        break;
      }
    }
  } catch (error) {
    result = failure(error);
  }
  // The control plane's upkeep_upgrade_duration_seconds: the whole job as the host saw it.
  result = {
    ...result,
    details: { ...result.details, duration_ms: Math.max(0, Math.round(ctx.now() - startedAt)) },
  };
  ctx.log.event('fleet_job_finished', {
    job_id: assignment.jobId,
    outcome: result.outcome,
    message: result.message,
  });
  return result;
}
