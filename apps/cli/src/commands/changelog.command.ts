import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import { changelogBetween, renderChangelog, type Changelog, type Freshness } from '@upkeep/sources';
import type { CliContext, DiscoveryOptions } from '../cli-context.ts';
import { withDiscoverySession } from '../discovery-session.ts';
import { staleText } from '../freshness-text.ts';
import { terminalSafe } from '../terminal-text.ts';
import { withDiscoveryOptions } from './discovery-options.ts';

interface ChangelogOptions extends DiscoveryOptions {
  readonly includePrereleases?: boolean;
}

/** `upkeep changelog --json`. */
export type ChangelogView = Changelog & { readonly component: string; readonly freshness: Freshness };

/** `upkeep changelog`: the seed's get_changelog. */
export function registerChangelog(program: Command, ctx: CliContext): void {
  withDiscoveryOptions(program.command('changelog'), ctx)
    .description('print the release notes between two versions, breaking changes first')
    .argument('<component>', 'component name in versions.yaml')
    .argument('<from>', 'the version moved from (its own notes are not included)')
    .argument('<to>', 'the version moved to')
    .option('--include-prereleases', 'include the notes of prereleases in between')
    .action(async (component: string, from: string, to: string, options: ChangelogOptions) => {
      const view = await withDiscoverySession(ctx, options, async (session): Promise<ChangelogView> => {
        const target = session.target(component);
        const listing = await session.list(target);
        const changelog = changelogBetween(listing.releases, from, to, {
          tagRules: target.sources.tagRules,
          includePrereleases: options.includePrereleases === true,
        });
        return { component, ...changelog, freshness: listing.freshness };
      });
      printResult(ctx.out, options.json === true, view, () => {
        const stale = staleText(view.freshness);
        return `${stale === undefined ? '' : `(${stale})\n\n`}${terminalSafe(renderChangelog(view, component))}`;
      });
    });
}
