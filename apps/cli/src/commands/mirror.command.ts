import { resolve } from 'node:path';
import type { Command } from 'commander';
import { exitCodeFor, printResult } from '@upkeep/cli-kit';
import { UpkeepError, isUpkeepError } from '@upkeep/errors';
import { mirrorComponent, parsePlatform, type HostPlatform, type MirrorReport } from '@upkeep/sources';
import type { CliContext, DiscoveryOptions } from '../cli-context.ts';
import { withDiscoverySession } from '../discovery-session.ts';
import { progressReporter } from '../progress-reporter.ts';
import { terminalSafe } from '../terminal-text.ts';
import { withDiscoveryOptions } from './discovery-options.ts';
import { collect } from './policy-options.ts';

interface MirrorOptions extends DiscoveryOptions {
  readonly to: string;
  readonly versions?: string;
  readonly latest?: string;
  readonly includePrereleases?: boolean;
  readonly allAssets?: boolean;
  readonly platform?: string[];
}

type MirrorOutcome =
  | { readonly component: string; readonly ok: true; readonly report: MirrorReport }
  | { readonly component: string; readonly ok: false; readonly error: UpkeepError };

function latestCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]{0,5}$/.test(text)) {
    throw new UpkeepError('USAGE', `--latest ${JSON.stringify(text)} is not a positive whole number`, {
      hint: 'write --latest 3 to mirror the three newest releases',
    });
  }
  return Number(text);
}

function formatMirror(outcomes: readonly MirrorOutcome[]): string {
  const lines: string[] = [];
  for (const o of outcomes) {
    if (!o.ok) {
      lines.push(
        `${o.component}: error: ${o.error.message}${o.error.hint === undefined ? '' : `\n  hint: ${o.error.hint}`}`,
      );
      continue;
    }
    const files = o.report.releases.flatMap((r) => r.assets);
    const reused = files.filter((f) => f.reused).length;
    lines.push(
      `${o.component}: ${o.report.releases.length} release${o.report.releases.length === 1 ? '' : 's'}, ${files.length} file${files.length === 1 ? '' : 's'} (${reused} already there) in ${o.report.directory}`,
    );
    for (const r of o.report.releases) {
      for (const a of r.assets) {
        lines.push(
          `  ${terminalSafe(r.tag)}/${terminalSafe(a.name)}  ${a.size} bytes  verified by ${a.verified_by}${a.reused ? '  (reused)' : ''}`,
        );
      }
    }
    for (const s of o.report.skipped)
      lines.push(`  skipped ${terminalSafe(s.tag)}: ${terminalSafe(s.reason)}`);
    lines.push(
      `  offline sites: registry: { url: "${o.report.registry_url}" } (adjust the path after copying)`,
    );
  }
  return lines.join('\n');
}

/** `upkeep mirror`: writes a custom-registry mirror (index + verified artifacts) of components for offline sites. */
export function registerMirror(program: Command, ctx: CliContext): void {
  withDiscoveryOptions(program.command('mirror'), ctx)
    .description('copy releases of components into a local registry folder (index.json + verified artifacts)')
    .argument('<component...>', 'component names in versions.yaml')
    .requiredOption('--to <dir>', 'root folder of the mirror; each component goes to <dir>/<component>/')
    .option('--versions <list>', 'only these versions or tags, comma-separated')
    .option('--latest <n>', 'only the n newest releases')
    .option('--include-prereleases', 'mirror prereleases too')
    .option(
      '--all-assets',
      "every asset of each release, not only each platform's archive, checksum and signature",
    )
    .option(
      '--platform <os-arch>',
      "mirror the asset for this platform (repeatable; default the component's)",
      collect,
      [],
    )
    .action(async (components: string[], options: MirrorOptions) => {
      const to = resolve(ctx.env.cwd, options.to);
      const latest = latestCount(options.latest);
      const versions = options.versions
        ?.split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      const extra: HostPlatform[] = (options.platform ?? []).map(parsePlatform);
      const outcomes = await withDiscoverySession(ctx, options, async (session) => {
        const progress = progressReporter(ctx.out, {
          enabled: ctx.env.host.stderrIsTty,
          total: components.length,
          verb: 'mirroring',
        });
        try {
          return await Promise.all(
            [...new Set(components)].map((name) =>
              session.ctx.limit(async (): Promise<MirrorOutcome> => {
                progress.started(name);
                try {
                  const target = session.target(name);
                  const report = await mirrorComponent(
                    {
                      source: target.source,
                      to,
                      ...(versions === undefined ? {} : { versions }),
                      ...(latest === undefined ? {} : { latest }),
                      includePrereleases: options.includePrereleases === true,
                      ...(options.allAssets === true
                        ? {}
                        : {
                            platforms: extra.length > 0 ? extra : [target.platform],
                            download: target.sources.download,
                          }),
                      offline: target.offline,
                    },
                    session.ctx,
                  );
                  return { component: name, ok: true, report };
                } catch (error) {
                  if (!isUpkeepError(error)) throw error;
                  return { component: name, ok: false, error };
                } finally {
                  progress.finished(name);
                }
              }),
            ),
          );
        } finally {
          progress.done();
        }
      });
      const view = {
        to,
        components: outcomes.map((o) =>
          o.ok ? { ok: true, ...o.report } : { component: o.component, ok: false, error: o.error.toJSON() },
        ),
      };
      printResult(ctx.out, options.json === true, view, () => formatMirror(outcomes));
      const failed = outcomes.find((o): o is Extract<MirrorOutcome, { ok: false }> => !o.ok);
      if (failed !== undefined) ctx.setExitCode(exitCodeFor(failed.error.code));
    });
}
