import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import type { CliContext, DiscoveryOptions } from '../cli-context.ts';
import { withDiscoverySession } from '../discovery-session.ts';
import { latestView } from '../discovery.service.ts';
import { staleText } from '../freshness-text.ts';
import { withDiscoveryOptions } from './discovery-options.ts';

interface LatestOptions extends DiscoveryOptions {
  readonly constraint?: string;
  readonly includePrereleases?: boolean;
}

/**
 * `upkeep latest`: the seed's get_latest_version. Prints only the version on stdout, so
 * `v=$(upkeep latest node_exporter)` works; a stale answer is noted on stderr.
 */
export function registerLatest(program: Command, ctx: CliContext): void {
  withDiscoveryOptions(program.command('latest'), ctx)
    .description('print the newest release of a component, optionally within a constraint')
    .argument('<component>', 'component name in versions.yaml')
    .option('--constraint <range>', 'only versions satisfying this constraint, such as ">=1.7.0 <2.0.0"')
    .option('--include-prereleases', 'consider prereleases too')
    .action(async (component: string, options: LatestOptions) => {
      const view = await withDiscoverySession(ctx, options, async (session) => {
        const target = session.target(component);
        return latestView(target, await session.list(target), {
          constraint: options.constraint,
          includePrereleases: options.includePrereleases === true,
        });
      });
      const stale = staleText(view.freshness);
      if (stale !== undefined && options.json !== true) ctx.out.stderr(`${component}: ${stale}\n`);
      printResult(ctx.out, options.json === true, view, () => view.version);
    });
}
