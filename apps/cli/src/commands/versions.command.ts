import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import type { CliContext, DiscoveryOptions } from '../cli-context.ts';
import { withDiscoverySession } from '../discovery-session.ts';
import { versionsView, type VersionsView } from '../discovery.service.ts';
import { staleSuffix } from '../freshness-text.ts';
import { terminalSafe } from '../terminal-text.ts';
import { withDiscoveryOptions } from './discovery-options.ts';

interface VersionsOptions extends DiscoveryOptions {
  readonly includePrereleases?: boolean;
}

function formatVersions(view: VersionsView): string {
  const lines = [
    `${view.component}: ${view.releases.length} release${view.releases.length === 1 ? '' : 's'} from ${view.upstream}${staleSuffix(view.freshness)}`,
  ];
  const width = Math.max(8, ...view.releases.map((r) => r.version.length));
  for (const r of view.releases) {
    const date = r.published_at === null ? '          ' : r.published_at.slice(0, 10);
    lines.push(`  ${r.version.padEnd(width)}  ${date}${r.prerelease ? '  prerelease' : ''}`);
  }
  if (view.prereleases_hidden > 0) {
    lines.push(
      `  (${view.prereleases_hidden} prerelease${view.prereleases_hidden === 1 ? '' : 's'} left out; --include-prereleases shows them)`,
    );
  }
  if (view.skipped.length > 0) {
    lines.push('tags skipped:');
    for (const s of view.skipped)
      lines.push(`  ${terminalSafe(s.tag).padEnd(width)}  ${terminalSafe(s.reason)}`);
  }
  for (const w of view.warnings) lines.push(`warning: ${terminalSafe(w)}`);
  return lines.join('\n');
}

/** `upkeep versions`: the seed's discover_versions. */
export function registerVersions(program: Command, ctx: CliContext): void {
  withDiscoveryOptions(program.command('versions'), ctx)
    .description('list every release of a component: version, date, prerelease, and tags skipped with why')
    .argument('<component>', 'component name in versions.yaml')
    .option('--include-prereleases', 'list prereleases too')
    .action(async (component: string, options: VersionsOptions) => {
      const view = await withDiscoverySession(ctx, options, async (session) => {
        const target = session.target(component);
        return versionsView(target, await session.list(target), options.includePrereleases === true);
      });
      printResult(ctx.out, options.json === true, view, () => formatVersions(view));
    });
}
