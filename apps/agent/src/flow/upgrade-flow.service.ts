import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exitCodeFor } from '@upkeep/cli-kit';
import { UpkeepError } from '@upkeep/errors';
import type { UpgradeDecision } from '@upkeep/policy';
import { pinnedKeyPath } from '@upkeep/signatures';
import { expandTemplate } from '@upkeep/sources';
import { compareVersions, parseTag } from '@upkeep/versioning';
import type { ArchiveType } from '../archive/archive-limits.ts';
import { fsError } from '../common/fs-error.service.ts';
import { knownError } from '../common/known-error.service.ts';
import type { ReleaseArtifact } from '../discovery/release-resolver.port.ts';
import { platformOf } from '../discovery/release-resolver.repository.ts';
import type { HealthCheckSpec } from '../health/health-check.types.ts';
import { UpgradeExecutor } from '../install/upgrade-executor.service.ts';
import type { ArtifactSpec, UpgradePlan, UpgradeResult } from '../install/upgrade-plan.types.ts';
import { downloadProgressReporter, type ProgressTerminal } from '../logging/download-progress.service.ts';
import type { AgentContext } from '../runtime/agent-context.repository.ts';
import { healthBudgetMs } from '../runtime/component-runtime.service.ts';
import type { FlagRename } from '../service/unit-file.service.ts';
import type { InstallMethod } from '../state/state.types.ts';
import { estimateDowntime, type DowntimeEstimate } from './downtime-estimate.service.ts';
import { evaluateUpgrade, type Evaluation, type TargetChoice } from './upgrade-evaluation.service.ts';

export interface UpgradeRequest {
  readonly component: string;
  readonly version?: string | undefined;
  readonly dryRun: boolean;
  readonly force: boolean;
  readonly skipSafetyChecks: boolean;
  readonly noRollback: boolean;
}

/**
 * - `installed` / `upgraded`: done and committed;
 * - `up_to_date`: the target is installed;
 * - `not_retried`: the strategy's target failed here before;
 * - `held`: needs a person (manual approval, maintenance window);
 * - `refused`: unsafe, or a failed version asked for without --force;
 * - `dry_run`: nothing was changed; `would` says what a real run would do;
 * - `failed`: the install failed (rolled back unless --no-rollback).
 */
export type UpgradeOutcome =
  'installed' | 'upgraded' | 'up_to_date' | 'not_retried' | 'held' | 'refused' | 'dry_run' | 'failed';

export interface PlannedUpgrade {
  readonly artifact: {
    readonly url: string;
    readonly file_name: string;
    readonly size: number | null;
    readonly archive_type: ArchiveType;
    readonly sha256: string | null;
    readonly checksum_source: string;
    readonly binary_path_in_archive: string | null;
    readonly signature_url: string | null;
  };
  readonly steps: readonly string[];
  readonly expected_downtime: {
    readonly ms: number;
    readonly basis: DowntimeEstimate['basis'];
    readonly detail: string;
  };
  readonly automatic_rollback: boolean;
}

export interface UpgradeReport {
  readonly component: string;
  readonly outcome: UpgradeOutcome;
  /** For `dry_run`: what a real run would do. */
  readonly would?: 'proceed' | 'skip' | 'hold' | 'refuse' | undefined;
  readonly exit_code: number;
  readonly message: string;
  readonly hint: string | null;
  readonly from_version: string | null;
  readonly to_version: string;
  readonly target: TargetChoice;
  readonly command_line: { readonly argv: readonly string[]; readonly source: string };
  readonly decision: UpgradeDecision | null;
  readonly safety_checks_skipped: boolean;
  readonly forced: boolean;
  readonly failed_before: {
    readonly version: string;
    readonly attempts: number;
    readonly last_failed_at: string;
    readonly reason: string;
  } | null;
  readonly plan: PlannedUpgrade | null;
  readonly result: {
    readonly operation_id: string;
    readonly downtime_ms: number;
    readonly rollback_point_id: number | null;
    readonly sha256: string;
  } | null;
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly hint: string | null;
    readonly rolled_back: boolean;
    readonly step: string | null;
  } | null;
  readonly warnings: readonly string[];
}

function archiveTypeOf(configured: string | undefined, fileName: string): ArchiveType {
  if (configured === 'tar.gz' || configured === 'tar.xz' || configured === 'zip' || configured === 'binary')
    return configured;
  if (/\.(tar\.gz|tgz)$/i.test(fileName)) return 'tar.gz';
  if (/\.tar\.xz$/i.test(fileName)) return 'tar.xz';
  if (/\.zip$/i.test(fileName)) return 'zip';
  if (/\.tar$/i.test(fileName)) return 'tar';
  return 'binary';
}

function describeHealth(spec: HealthCheckSpec | null): string {
  if (spec === null)
    return 'no health check configured: the service manager start result is all that is checked';
  switch (spec.type) {
    case 'http':
      return `GET ${spec.url} must answer ${String(spec.expectedStatus ?? 200)}${spec.bodyContains === undefined ? '' : ` with ${JSON.stringify(spec.bodyContains)} in the body`}`;
    case 'tcp':
      return `tcp ${spec.host}:${String(spec.port)} must accept a connection`;
    case 'command':
      return `${spec.argv.join(' ')} must exit 0`;
  }
}

/** The armored public keys of `download.signature_key` (a file, under --root). */
async function signatureKeys(ctx: AgentContext, name: string, key: string | null): Promise<string[]> {
  const path = ctx.paths.map(pinnedKeyPath(name, key), `components.${name}.download.signature_key`);
  try {
    return [await readFile(path, 'utf8')];
  } catch (error) {
    throw fsError('read the signature key', path, error);
  }
}

export async function artifactSpecFor(
  ctx: AgentContext,
  name: string,
  details: ReleaseArtifact,
): Promise<ArtifactSpec> {
  const mapped = ctx.sourceConfig(name);
  const download = mapped.download;
  const platform = platformOf(mapped);
  const values = { VERSION: details.version, TAG: details.tag, OS: platform.os, ARCH: platform.arch };
  let signature: ArtifactSpec['signature'];
  if (details.signature !== null) {
    if (details.signature.signs !== 'asset') {
      throw new UpkeepError(
        'SIGNATURE_INVALID',
        `${name} ${details.version}: the release signs its checksum file, and the agent verifies signatures over the artifact only`,
        {
          hint: 'set download.signature_file to a signature of the artifact itself, or turn gpg_signature off for this component',
        },
      );
    }
    signature = {
      url: details.signature.url,
      armoredPublicKeys: await signatureKeys(ctx, name, details.signature.key),
    };
  }
  return {
    url: details.assetUrl,
    fileName: details.fileName,
    archiveType: archiveTypeOf(download.archiveType, details.fileName),
    expectedSha256: details.sha256,
    checksumRequired: ctx.global.safety.require_checksum_verification,
    maxBytes: Math.round((download.maxSizeMb ?? 512) * 1024 * 1024),
    signature,
    binaryPathInArchive:
      mapped.binaryPathInArchive === undefined
        ? undefined
        : expandTemplate(mapped.binaryPathInArchive, values, {
            field: `components.${name}.download.binary_path_in_archive`,
          }),
    binaryName: download.binaryName,
  };
}

/** Release notes of the releases the move crosses, newest first, for the history's changelog. */
function changelogOf(evaluation: Evaluation, to: string): string | null {
  const parse = (text: string) => {
    const parsed = parseTag(text);
    return parsed.ok ? parsed.version : null;
  };
  const target = parse(to);
  const from = evaluation.currentVersion === null ? null : parse(evaluation.currentVersion);
  if (target === null) return null;
  const parts = evaluation.catalog.releases
    .filter((r) => {
      const v = r.version === null ? null : parse(r.version);
      if (v === null || r.notes.trim() === '') return false;
      return compareVersions(v, target) <= 0 && (from === null || compareVersions(v, from) > 0);
    })
    .map((r) => `## ${r.tag}\n${r.notes.trim()}`);
  if (parts.length === 0) return null;
  const text = parts.join('\n\n');
  return text.length > 16_000 ? `${text.slice(0, 16_000)}\n…` : text;
}

function planOf(
  ctx: AgentContext,
  evaluation: Evaluation,
  artifact: ArtifactSpec,
  details: ReleaseArtifact,
  autoRollback: boolean,
): PlannedUpgrade {
  const name = evaluation.component;
  const setup = ctx.setup(name);
  const runtime = setup.runtime;
  const current = evaluation.currentVersion;
  const to = details.version;
  const host = (path: string) => ctx.paths.unmap(path);
  const estimate = estimateDowntime(
    ctx.history.successfulDowntimes(name, 20),
    healthBudgetMs(runtime.healthTiming),
    current === null,
  );
  const service = runtime.serviceName ?? name;
  const steps = [
    `download ${details.assetUrl}${details.size === null ? '' : ` (${String(details.size)} bytes)`} into ${host(join(ctx.locations.artifactCache, name, to))}`,
    artifact.expectedSha256 === null
      ? artifact.checksumRequired
        ? `verify: NO checksum published (${details.checksumSource}) and verification is required: the upgrade would stop here`
        : `verify: no checksum published (${details.checksumSource}): installed UNVERIFIED (require_checksum_verification is false)`
      : `verify sha256 ${artifact.expectedSha256} (${details.checksumSource})`,
    ...(artifact.signature === undefined ? [] : [`verify the detached signature ${artifact.signature.url}`]),
    `extract ${artifact.binaryPathInArchive ?? artifact.binaryName ?? name} from the ${artifact.archiveType} into a fresh folder (no links, devices, setuid or escaping paths)`,
    current === null
      ? 'rollback point: none (first install)'
      : `rollback point of ${current}: ${[host(runtime.binaryPath), runtime.configPath, runtime.unitPath]
          .filter((p): p is string => p !== null)
          .map(host)
          .join(', ')}`,
    `stop ${service} (${setup.serviceManager})`,
    `swap ${host(runtime.binaryPath)} atomically (write beside it, fsync, rename)`,
    ...flagRenamesOf(evaluation).map(
      (r) =>
        `rewrite ${r.flag} to ${r.renamedTo} in ExecStart of ${host(runtime.unitPath ?? '')} (the rollback point keeps the old unit)`,
    ),
    `start ${service}`,
    `health: ${describeHealth(setup.healthSpec)}; ${String(runtime.healthTiming.retries)} retries ${String(runtime.healthTiming.intervalMs)} ms apart, healthy for ${String(runtime.healthTiming.minHealthyMs)} ms`,
    `version check: ${(runtime.versionCheck?.argv ?? [host(runtime.binaryPath), '--version']).join(' ')} must report ${to}`,
    'commit: record the version and the history',
    autoRollback
      ? current === null
        ? 'on failure after stop: remove the new binary (nothing was installed before)'
        : `on failure after stop: restore ${current} from the rollback point, restart it and check its health`
      : 'on failure after stop: leave the new version in place (--no-rollback)',
  ];
  return {
    artifact: {
      url: details.assetUrl,
      file_name: details.fileName,
      size: details.size,
      archive_type: artifact.archiveType,
      sha256: details.sha256,
      checksum_source: details.checksumSource,
      binary_path_in_archive: artifact.binaryPathInArchive ?? null,
      signature_url: artifact.signature?.url ?? null,
    },
    steps,
    expected_downtime: { ms: estimate.expectedMs, basis: estimate.basis, detail: estimate.detail },
    automatic_rollback: autoRollback,
  };
}

/** The renamed flags the decision says this upgrade rewrites in the unit's ExecStart. */
function flagRenamesOf(evaluation: Evaluation): FlagRename[] {
  return (evaluation.decision?.breaking_changes ?? []).flatMap((change) =>
    change.command_line_rewrite !== undefined && change.flag !== undefined && change.renamed_to !== undefined
      ? [{ flag: change.flag, renamedTo: change.renamed_to }]
      : [],
  );
}

function failedBeforeOf(evaluation: Evaluation): UpgradeReport['failed_before'] {
  const f = evaluation.failedBefore;
  return f === null
    ? null
    : { version: f.version, attempts: f.attempts, last_failed_at: f.lastFailedAt, reason: f.reason };
}

export interface UpgradeIo {
  /** The terminal for a progress bar, or null (progress goes to the log). */
  readonly terminal: ProgressTerminal | null;
}

/**
 * One component's upgrade, end to end: evaluate (target, command line,
 * decision, gate), then, unless held, refused or a dry run, carry it out with
 * the executor. Never throws for an outcome an operator expects (held,
 * refused, a failed install): those are reports with their exit code.
 * Discovery and configuration errors are thrown.
 */
export async function upgradeComponent(
  ctx: AgentContext,
  request: UpgradeRequest,
  io: UpgradeIo,
): Promise<UpgradeReport> {
  const name = request.component;
  const evaluation = await evaluateUpgrade(
    ctx,
    { component: name, version: request.version, force: request.force },
    { skipSafetyChecks: request.skipSafetyChecks },
  );
  const gate = evaluation.gate;
  const autoRollback = !request.noRollback && ctx.global.safety.rollback.auto_rollback_on_failure;
  const base = {
    component: name,
    from_version: evaluation.currentVersion,
    to_version: evaluation.target.version,
    target: evaluation.target,
    command_line: { argv: evaluation.commandLine.argv, source: evaluation.commandLine.source },
    decision: evaluation.decision,
    safety_checks_skipped: request.skipSafetyChecks,
    forced: request.force,
    failed_before: failedBeforeOf(evaluation),
    warnings: evaluation.warnings,
  };
  const decisionFields = {
    risk_level: evaluation.decision?.risk_level,
    action: evaluation.decision?.action,
  };

  if (gate.verdict === 'up_to_date' || gate.verdict === 'not_retried') {
    return {
      ...base,
      outcome: request.dryRun ? 'dry_run' : gate.verdict,
      would: request.dryRun ? 'skip' : undefined,
      exit_code: 0,
      message: `${name}: ${gate.reason}`,
      hint: gate.verdict === 'not_retried' ? gate.hint : null,
      plan: null,
      result: null,
      error: null,
    };
  }

  const wouldNot = gate.verdict === 'held' || gate.verdict === 'refused';
  if (wouldNot && !request.dryRun) {
    ctx.log.event(gate.verdict === 'held' ? 'approval_required' : 'upgrade_refused', {
      component: name,
      from: evaluation.currentVersion,
      to: evaluation.target.version,
      reason: gate.reason,
      ...decisionFields,
    });
    return {
      ...base,
      outcome: gate.verdict,
      exit_code: gate.verdict === 'held' ? 2 : 1,
      message: `${name}: ${gate.reason}`,
      hint: gate.hint,
      plan: null,
      result: null,
      error: null,
    };
  }

  const details = await ctx.resolver.releaseDetails(name, evaluation.target.tag);
  const artifact = await artifactSpecFor(ctx, name, details);
  const plan = planOf(ctx, evaluation, artifact, details, autoRollback);
  if (request.dryRun) {
    const would = gate.verdict === 'held' ? 'hold' : gate.verdict === 'refused' ? 'refuse' : 'proceed';
    return {
      ...base,
      outcome: 'dry_run',
      would,
      exit_code: would === 'hold' ? 2 : would === 'refuse' ? 1 : 0,
      message:
        gate.verdict === 'proceed'
          ? `${name}: would ${evaluation.currentVersion === null ? 'install' : 'upgrade to'} ${details.version}; nothing was changed (--dry-run)`
          : `${name}: ${gate.reason} (--dry-run: nothing was changed)`,
      hint: gate.verdict === 'proceed' ? null : gate.hint,
      plan,
      result: null,
      error: null,
    };
  }

  if (gate.verdict === 'proceed' && gate.note !== null) {
    ctx.log.event('safety_checks_skipped', { component: name, to: details.version, note: gate.note });
    ctx.out.stderr(`WARNING: ${gate.note}\n`);
  }
  const method: InstallMethod = request.force ? 'force' : 'manual';
  const upgradePlan: UpgradePlan = {
    runtime: ctx.runtime(name),
    fromVersion: evaluation.currentVersion,
    toVersion: details.version,
    method,
    artifact,
    autoRollback,
    changelog: changelogOf(evaluation, details.version),
    flagRenames: flagRenamesOf(evaluation),
  };
  const progress = downloadProgressReporter(name, io.terminal, ctx.log.event, ctx.now);
  const executor = new UpgradeExecutor(ctx.executorDeps({ onDownloadProgress: progress.onProgress }));
  let result: UpgradeResult;
  try {
    result = await executor.execute(upgradePlan);
  } catch (error) {
    progress.finish();
    const known = knownError(error, name);
    const rolledBack = known.details['rolledBack'] === true;
    const step = typeof known.details['failedStep'] === 'string' ? known.details['failedStep'] : null;
    const leftInPlace = known.details['leftInPlace'] === true;
    return {
      ...base,
      to_version: details.version,
      outcome: 'failed',
      exit_code: exitCodeFor(known.code),
      message: rolledBack
        ? `${name}: ${details.version} failed and was rolled back: ${known.message}`
        : leftInPlace
          ? `${name}: ${details.version} failed and was LEFT IN PLACE (--no-rollback): ${known.message}`
          : `${name}: ${details.version} was not installed: ${known.message}`,
      hint: known.hint ?? null,
      plan,
      result: null,
      error: {
        code: known.code,
        message: known.message,
        hint: known.hint ?? null,
        rolled_back: rolledBack,
        step,
      },
    };
  }
  progress.finish();
  for (const warning of result.warnings) ctx.out.stderr(`WARNING: ${warning}\n`);
  return {
    ...base,
    to_version: details.version,
    outcome: evaluation.currentVersion === null ? 'installed' : 'upgraded',
    exit_code: 0,
    message:
      evaluation.currentVersion === null
        ? `${name}: ${details.version} installed and healthy`
        : `${name}: ${evaluation.currentVersion} -> ${details.version}, healthy (downtime ${String(result.downtimeMs)} ms)`,
    hint: null,
    plan,
    result: {
      operation_id: result.operationId,
      downtime_ms: result.downtimeMs,
      rollback_point_id: result.rollbackPointId,
      sha256: result.sha256,
    },
    error: null,
    warnings: [...evaluation.warnings, ...result.warnings],
  };
}
