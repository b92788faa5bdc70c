import { UpkeepError } from '@upkeep/errors';
import { decideUpgrade, decisionInputFor, resolveInputFor, type UpgradeDecision } from '@upkeep/policy';
import {
  parseTag,
  parseVersion,
  resolveVersion,
  versionsEqual,
  type Resolution,
  type ResolveInput,
} from '@upkeep/versioning';
import type { ReleaseCatalog, ReleaseEntry } from '../discovery/release-resolver.port.ts';
import type { AgentContext } from '../runtime/agent-context.repository.ts';
import { readServiceCommandLine, type ServiceCommandLine } from '../service/command-line.repository.ts';
import type { FailedVersion } from '../state/state.types.ts';

export interface EvaluationRequest {
  readonly component: string;
  /** An explicit version; undefined: the component's strategy chooses. */
  readonly version?: string | undefined;
  readonly force: boolean;
}

/** How the target was chosen. */
export interface TargetChoice {
  readonly version: string;
  readonly tag: string;
  readonly how: 'explicit' | 'strategy' | 'fallback';
  readonly strategy: string | null;
  readonly explanation: readonly string[];
  readonly passed_over: readonly { readonly version: string; readonly reason: string }[];
}

/** The gate's verdict on a decision: go ahead, or why not. */
export type Gate =
  | { readonly verdict: 'proceed'; readonly note: string | null }
  | { readonly verdict: 'up_to_date'; readonly reason: string }
  | { readonly verdict: 'not_retried'; readonly reason: string; readonly hint: string }
  | { readonly verdict: 'refused'; readonly reason: string; readonly hint: string }
  | { readonly verdict: 'held'; readonly reason: string; readonly hint: string };

export interface Evaluation {
  readonly component: string;
  readonly currentVersion: string | null;
  readonly catalog: ReleaseCatalog;
  readonly target: TargetChoice;
  readonly release: ReleaseEntry | null;
  readonly commandLine: ServiceCommandLine;
  /** Null when there is no target to decide on. */
  readonly decision: UpgradeDecision | null;
  readonly failedBefore: FailedVersion | null;
  readonly gate: Gate;
  readonly warnings: readonly string[];
}

function findRelease(catalog: ReleaseCatalog, version: string): ReleaseEntry | null {
  const parsed = parseTag(version);
  return (
    catalog.releases.find(
      (r) => r.tag === version || (parsed.ok && r.version !== null && r.version === parsed.version.text),
    ) ?? null
  );
}

function sameVersion(a: string | null, b: string): boolean {
  if (a === null) return false;
  try {
    return versionsEqual(parseVersion(a), parseVersion(b));
  } catch {
    return a === b;
  }
}

function choiceOf(resolution: Resolution): TargetChoice {
  return {
    version: resolution.version,
    tag: resolution.tag,
    how: resolution.source === 'fallback' ? 'fallback' : 'strategy',
    strategy: resolution.strategy,
    explanation: resolution.explanation,
    passed_over: resolution.passedOver,
  };
}

/**
 * The gate between the decision and the install: `skip` is up to date; with
 * `--skip-safety-checks` anything else proceeds; a rejection is refused; an
 * unapproved decision (manual approval, outside the maintenance window) is held.
 */
export function gateFor(
  component: string,
  decision: UpgradeDecision,
  options: { readonly skipSafetyChecks: boolean },
): Gate {
  if (decision.action === 'skip')
    return { verdict: 'up_to_date', reason: `${decision.target_version} is already installed` };
  const failedChecks = decision.safety_checks.filter((c) => c.status === 'failed').map((c) => c.detail);
  if (options.skipSafetyChecks) {
    return {
      verdict: 'proceed',
      note:
        decision.approved && decision.action !== 'reject'
          ? null
          : `--skip-safety-checks overrides the decision (${decision.action}${failedChecks.length > 0 ? `: ${failedChecks.join('; ')}` : ''})`,
    };
  }
  const version = decision.target_version;
  if (decision.action === 'reject') {
    return {
      verdict: 'refused',
      reason: `the upgrade to ${version} is unsafe: ${failedChecks.join('; ') || decision.explanation.at(-1) || 'rejected'}`,
      hint: `fix the cause, or override every safety check with: upkeep-agent upgrade ${component} ${version} --skip-safety-checks`,
    };
  }
  if (!decision.approved) {
    if (decision.not_before !== null) {
      return {
        verdict: 'held',
        reason: `outside the maintenance window; not before ${decision.not_before}`,
        hint: `run it again in the window, or override with: upkeep-agent upgrade ${component} ${version} --skip-safety-checks`,
      };
    }
    const why = [
      ...new Set(
        decision.breaking_changes
          .filter((c) => c.affects_host !== false && c.severity !== 'low' && c.source !== 'release_notes')
          .map((c) => c.description),
      ),
    ];
    return {
      verdict: 'held',
      reason: `the upgrade to ${version} needs manual approval (risk ${decision.risk_level})${why.length > 0 ? `: ${why.join('; ')}` : ''}`,
      hint: `review the safety checks above, then approve with: upkeep-agent upgrade ${component} ${version} --force`,
    };
  }
  return { verdict: 'proceed', note: null };
}

/**
 * Everything up to the decision for one component: its releases, the target
 * (explicit, or the strategy's choice), the service's real command line, the
 * advisories, the decision, and the gate. A version that failed on this host is
 * not taken again without `--force`: the strategy's next choice is used instead,
 * or nothing happens.
 */
export async function evaluateUpgrade(
  ctx: AgentContext,
  request: EvaluationRequest,
  options: { readonly skipSafetyChecks: boolean },
): Promise<Evaluation> {
  const name = request.component;
  const component = ctx.component(name);
  const setup = ctx.setup(name);
  const currentVersion = ctx.installed.find(name)?.version ?? null;
  const catalog = await ctx.resolver.listReleases(name);
  const warnings: string[] = [...catalog.warnings];
  if (catalog.staleReason !== null) warnings.push(`release list from cache (${catalog.staleReason})`);

  let target: TargetChoice;
  let failedBefore: FailedVersion | null;
  let retryGate: Gate | null = null;
  if (request.version !== undefined) {
    const release = findRelease(catalog, request.version);
    const version = release?.version ?? parseVersion(request.version, 'version').text;
    target = {
      version,
      tag: release?.tag ?? request.version,
      how: 'explicit',
      strategy: null,
      explanation: [`version ${version} asked for on the command line`],
      passed_over: [],
    };
    failedBefore = ctx.failed.find(name, version);
    if (failedBefore !== null && !request.force) {
      retryGate = {
        verdict: 'refused',
        reason: `${version} failed on this host before (${String(failedBefore.attempts)} time(s), last ${failedBefore.lastFailedAt}: ${failedBefore.reason}); it is not tried again automatically`,
        hint: `try it again anyway with: upkeep-agent upgrade ${name} ${version} --force`,
      };
    }
  } else {
    const input: ResolveInput = resolveInputFor(ctx.config, ctx.environment, name, {
      releases: catalog.releases.map((r) => ({
        version: r.tag,
        published_at: r.publishedAt,
        prerelease: r.prerelease,
      })),
      lockedVersion: component.strategy === 'locked' ? await ctx.lockedVersion(name) : undefined,
    });
    const first = resolveVersion(input);
    target = choiceOf(first);
    failedBefore = ctx.failed.find(name, first.version);
    if (failedBefore !== null && !request.force) {
      const failedHere = ctx.failed.list(name);
      let second: Resolution | null;
      try {
        second = resolveVersion({
          ...input,
          excludedVersions: [
            ...(input.excludedVersions ?? []),
            ...failedHere.map((f) => ({ version: f.version, reason: `failed on this host: ${f.reason}` })),
          ],
        });
      } catch (error) {
        if (!(error instanceof UpkeepError) || error.code !== 'NO_VERSION_RESOLVED') throw error;
        second = null;
      }
      const notRetried = `${first.version} failed on this host before (last ${failedBefore.lastFailedAt}: ${failedBefore.reason}); it is not tried again automatically`;
      if (second === null || sameVersion(currentVersion, second.version)) {
        retryGate = {
          verdict: 'not_retried',
          reason: notRetried,
          hint: `a newer release lifts this; or try it again with: upkeep-agent upgrade ${name} ${first.version} --force`,
        };
      } else {
        target = choiceOf(second);
        warnings.push(`${notRetried}; taking ${second.version} instead`);
      }
    }
  }

  const release = findRelease(catalog, target.tag) ?? findRelease(catalog, target.version);
  const commandLine = await readServiceCommandLine({
    binaryPath: ctx.paths.unmap(setup.runtime.binaryPath),
    configuredArgs: setup.configuredArgs,
    unitPath: setup.runtime.unitPath,
  });
  if (retryGate !== null) {
    return {
      component: name,
      currentVersion,
      catalog,
      target,
      release,
      commandLine,
      decision: null,
      failedBefore,
      gate: retryGate,
      warnings,
    };
  }

  const installedVersions = Object.fromEntries(
    ctx.installed
      .list()
      .filter((c) => c.component !== name)
      .map((c) => [c.component, c.version]),
  );
  const decision = decideUpgrade(
    decisionInputFor(ctx.config, {
      environment: ctx.environment,
      component: name,
      currentVersion,
      targetVersion: target.version,
      force: request.force,
      installedVersions,
      advisories: await ctx.resolver.advisories(name),
      releaseNotes: catalog.releases.map((r) => ({ version: r.tag, body: r.notes })),
      knownVersions: catalog.releases.map((r) => r.tag),
      targetPublishedAt: release?.publishedAt ?? null,
      serviceArgs: commandLine.source === 'none' ? undefined : commandLine.argv,
      // The agent rewrites a unit file it can roll back; install.args are the
      // operator's versions.yaml, which it never edits (docs/agent.md).
      rewritesRenamedFlags: commandLine.source === 'unit-file' && currentVersion !== null,
      now: ctx.clock(),
    }),
  );
  return {
    component: name,
    currentVersion,
    catalog,
    target,
    release,
    commandLine,
    decision,
    failedBefore,
    gate: gateFor(name, decision, options),
    warnings,
  };
}
