import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import { effectiveComponent, resolveInputFor } from '@upkeep/policy';
import type { Freshness } from '@upkeep/sources';
import { resolveVersion, type Resolution } from '@upkeep/versioning';
import type { CliContext, DiscoveryOptions } from '../cli-context.ts';
import { withDiscoverySession } from '../discovery-session.ts';
import { lockPathFor, lockedVersionOf, resolveLive } from '../discovery.service.ts';
import { staleSuffix } from '../freshness-text.ts';
import { readLockFileIfPresent, readPolicyConfig, readReleasesFile } from '../policy-file.repository.ts';
import { terminalSafe } from '../terminal-text.ts';
import { withDiscoveryOptions } from './discovery-options.ts';

interface ResolveOptions extends DiscoveryOptions {
  readonly releases?: string;
  readonly lock?: string;
}

/** `upkeep resolve --json`: the resolution, how current the release list was, and warnings. */
type ResolveView = Resolution & {
  readonly component: string;
  /** Null with --releases, or when a pin was trusted without a list. */
  readonly freshness: Freshness | null;
  readonly warnings: readonly string[];
};

function formatResolution(view: ResolveView): string {
  const lines = [
    `${view.component}: ${view.version}${view.source === 'fallback' ? ' (fallback_version)' : ''} by strategy ${view.strategy}${view.freshness === null ? '' : staleSuffix(view.freshness)}`,
  ];
  if (view.passedOver.length > 0) {
    lines.push('newer releases passed over:');
    for (const p of view.passedOver) lines.push(`  ${p.version.padEnd(14)} ${p.reason}`);
  }
  if (view.skippedTags.length > 0) {
    lines.push('tags skipped as not versions:');
    for (const s of view.skippedTags)
      lines.push(`  ${terminalSafe(s.tag).padEnd(14)} ${terminalSafe(s.reason)}`);
  }
  lines.push('why:');
  for (const sentence of view.explanation) lines.push(`  - ${sentence}`);
  for (const w of view.warnings) lines.push(`warning: ${terminalSafe(w)}`);
  return lines.join('\n');
}

/** `upkeep resolve`: which version the component's strategy picks, and why newer ones were not. */
export function registerResolve(program: Command, ctx: CliContext): void {
  withDiscoveryOptions(program.command('resolve'), ctx)
    .description(
      "print the version a component's strategy selects, and why each newer release was passed over",
    )
    .argument('<component>', 'component name in versions.yaml')
    .option(
      '--releases <file>',
      'resolve from this JSON list of releases [{ "version", "published_at", "prerelease" }] instead of upstream',
    )
    .option('--lock <file>', 'versions.lock for the locked strategy (default: beside the config)')
    .action(async (component: string, options: ResolveOptions) => {
      const lockPath = lockPathFor(options.config, options.lock);
      let view: ResolveView;
      if (options.releases !== undefined) {
        const config = await readPolicyConfig(options.config);
        const effective = effectiveComponent(config, options.env, component);
        const releases = await readReleasesFile(options.releases);
        const lockedVersion =
          effective.strategy === 'locked'
            ? lockedVersionOf(component, await readLockFileIfPresent(lockPath), lockPath)
            : undefined;
        const resolution = resolveVersion(
          resolveInputFor(config, options.env, component, { releases, lockedVersion }),
        );
        view = { component, ...resolution, freshness: null, warnings: [] };
      } else {
        view = await withDiscoverySession(ctx, options, async (session) => {
          const target = session.target(component);
          const lockedVersion =
            target.component.strategy === 'locked'
              ? lockedVersionOf(component, await readLockFileIfPresent(lockPath), lockPath)
              : undefined;
          const live = await resolveLive(session, target, { lockedVersion });
          return {
            component,
            ...live.resolution,
            freshness: live.listing?.freshness ?? null,
            warnings: live.warnings,
          };
        });
      }
      printResult(ctx.out, options.json === true, view, () => formatResolution(view));
    });
}
