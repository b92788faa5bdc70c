import type { Command } from 'commander';
import { exitCodeFor, printResult } from '@upkeep/cli-kit';
import { parsePlatform } from '@upkeep/sources';
import type { CliContext, DiscoveryOptions } from '../cli-context.ts';
import { withDiscoverySession } from '../discovery-session.ts';
import { lockPathFor } from '../discovery.service.ts';
import { staleText } from '../freshness-text.ts';
import { lockAll, type LockOutcome } from '../lock.service.ts';
import { readLockFileIfPresent, writeLockFile } from '../policy-file.repository.ts';
import { progressReporter } from '../progress-reporter.ts';
import { withDiscoveryOptions } from './discovery-options.ts';
import { collect } from './policy-options.ts';

interface LockOptions extends DiscoveryOptions {
  readonly update?: boolean;
  readonly lock?: string;
  readonly platform?: string[];
}

function describe(o: LockOutcome): string {
  const now = o.resolved === null ? '' : `${o.resolved.version} (strategy ${o.resolved.strategy})`;
  switch (o.status) {
    case 'added':
      return `added ${now}`;
    case 'updated':
      return `updated ${o.locked?.version ?? '?'} -> ${now}`;
    case 'unchanged':
      return `unchanged ${o.entry?.version ?? ''}`;
    case 'drift':
      return `DRIFT: locked ${o.locked?.version ?? '?'}, resolves to ${now} now; kept (upkeep lock --update moves it)`;
    case 'removed':
      return `removed (no longer in the config)`;
    case 'not-in-config':
      return `kept ${o.locked?.version ?? ''}, though no longer in the config (--update removes it)`;
    case 'failed':
      return `FAILED: ${o.error?.message ?? 'unknown error'}${o.error?.hint === undefined ? '' : `\n    hint: ${o.error.hint}`}${o.locked === null ? '' : `\n    entry ${o.locked.version} kept`}`;
  }
}

/**
 * `upkeep lock`: records each component's resolved version and artifacts (name, URL,
 * SHA-256) in versions.lock, which the `locked` strategy installs. An existing entry
 * changes only with --update; otherwise a different resolution is reported as drift.
 */
export function registerLock(program: Command, ctx: CliContext): void {
  withDiscoveryOptions(program.command('lock'), ctx)
    .description('write versions.lock: resolved version, artifact URL and sha256 of each component')
    .argument('[component...]', 'only these components (default: every component of the config)')
    .option('--update', 'rewrite existing entries with what the components resolve to now')
    .option('--lock <file>', 'the lock file (default: versions.lock beside the config)')
    .option(
      '--platform <os-arch>',
      "record the artifact for this platform (repeatable; default the component's)",
      collect,
      [],
    )
    .action(async (components: string[], options: LockOptions) => {
      const lockPath = lockPathFor(options.config, options.lock);
      const existing = await readLockFileIfPresent(lockPath);
      const platforms = (options.platform ?? []).map(parsePlatform);
      const now = ctx.env.now();
      const { lock, outcomes } = await withDiscoverySession(ctx, options, async (session) => {
        const names = components.length === 0 ? undefined : components;
        const progress = progressReporter(ctx.out, {
          enabled: ctx.env.host.stderrIsTty,
          total: names?.length ?? Object.keys(session.config.components).length,
          verb: 'locking',
        });
        try {
          return await lockAll(session, {
            existing,
            names,
            update: options.update === true,
            platforms: platforms.length === 0 ? undefined : platforms,
            now,
            progress,
          });
        } finally {
          progress.done();
        }
      });
      if (lock !== undefined) await writeLockFile(lockPath, lock);
      const view = {
        lock: lockPath,
        written: lock !== undefined,
        update: options.update === true,
        components: outcomes.map((o) => ({
          component: o.component,
          status: o.status,
          locked: o.locked,
          resolved: o.resolved,
          entry: o.entry,
          freshness: o.freshness,
          ...(o.error === undefined ? {} : { error: o.error.toJSON() }),
        })),
      };
      printResult(ctx.out, options.json === true, view, () => {
        const width = Math.max(...outcomes.map((o) => o.component.length));
        const lines = [`${lockPath}: ${lock === undefined ? 'not changed' : 'written'}`];
        for (const o of outcomes) {
          const stale = o.freshness === null ? undefined : staleText(o.freshness);
          lines.push(
            `  ${o.component.padEnd(width)}  ${describe(o)}${stale === undefined ? '' : ` (${stale})`}`,
          );
        }
        return lines.join('\n');
      });
      const failed = outcomes.find((o) => o.error !== undefined);
      if (failed?.error !== undefined) ctx.setExitCode(exitCodeFor(failed.error.code));
    });
}
