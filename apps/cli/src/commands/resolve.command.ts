import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import { UpkeepError } from '@upkeep/errors';
import { effectiveComponent, resolveInputFor } from '@upkeep/policy';
import { resolveVersion, type Resolution } from '@upkeep/versioning';
import type { CliContext, PolicyOptions } from '../cli-context.ts';
import { readLockFileIfPresent, readPolicyConfig, readReleasesFile } from '../policy-file.repository.ts';
import { withPolicyOptions } from './policy-options.ts';

interface ResolveOptions extends PolicyOptions {
  readonly releases?: string;
  readonly lock?: string;
}

function formatResolution(component: string, resolution: Resolution): string {
  const lines = [
    `${component}: ${resolution.version}${resolution.source === 'fallback' ? ' (fallback_version)' : ''} by strategy ${resolution.strategy}`,
  ];
  if (resolution.passedOver.length > 0) {
    lines.push('newer releases passed over:');
    for (const p of resolution.passedOver) lines.push(`  ${p.version.padEnd(14)} ${p.reason}`);
  }
  if (resolution.skippedTags.length > 0) {
    lines.push('tags skipped as not versions:');
    for (const s of resolution.skippedTags) lines.push(`  ${s.tag.padEnd(14)} ${s.reason}`);
  }
  lines.push('why:');
  for (const sentence of resolution.explanation) lines.push(`  - ${sentence}`);
  return lines.join('\n');
}

/** `upkeep resolve`: which version the component's strategy picks, and why newer ones were not. */
export function registerResolve(program: Command, ctx: CliContext): void {
  withPolicyOptions(program.command('resolve'), ctx)
    .description(
      "print the version a component's strategy selects, and why each newer release was passed over",
    )
    .argument('<component>', 'component name in versions.yaml')
    .option('--releases <file>', 'JSON list of releases: [{ "version", "published_at", "prerelease" }]')
    .option('--lock <file>', 'versions.lock for the locked strategy (default: beside the config)')
    .action(async (component: string, options: ResolveOptions) => {
      const config = await readPolicyConfig(options.config);
      const effective = effectiveComponent(config, options.env, component);
      if (
        options.releases === undefined &&
        effective.strategy !== 'pinned' &&
        effective.strategy !== 'locked'
      ) {
        throw new UpkeepError(
          'USAGE',
          `resolve ${component} needs --releases FILE: strategy "${effective.strategy}" chooses among releases`,
          {
            hint: 'pass --releases with a JSON list of releases',
          },
        );
      }
      const releases = options.releases === undefined ? undefined : await readReleasesFile(options.releases);
      let lockedVersion: string | undefined;
      if (effective.strategy === 'locked') {
        const lockPath = options.lock ?? join(dirname(options.config), 'versions.lock');
        const lock = await readLockFileIfPresent(lockPath);
        lockedVersion = lock?.components[component]?.version;
        if (lockedVersion === undefined) {
          throw new UpkeepError(
            'LOCK_MISMATCH',
            `${component} uses strategy "locked" but ${lockPath} has no entry for it`,
            {
              details: { component, lock: lockPath },
              hint: 'run `upkeep lock` to record the versions, or `upkeep lock --update` to change them',
            },
          );
        }
      }
      const resolution = resolveVersion(
        resolveInputFor(config, options.env, component, { releases, lockedVersion }),
      );
      printResult(ctx.out, options.json === true, { component, ...resolution }, () =>
        formatResolution(component, resolution),
      );
    });
}
