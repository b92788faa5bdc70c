import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import { parsePlatform, releaseDetails, type HostPlatform, type ReleaseDetails } from '@upkeep/sources';
import type { CliContext, DiscoveryOptions } from '../cli-context.ts';
import { withDiscoverySession } from '../discovery-session.ts';
import { staleSuffix } from '../freshness-text.ts';
import { terminalSafe } from '../terminal-text.ts';
import { withDiscoveryOptions } from './discovery-options.ts';

interface ReleaseOptions extends DiscoveryOptions {
  readonly platform?: string;
}

/** `upkeep release --json`: the library's release details plus the platform they were chosen for. */
export type ReleaseView = ReleaseDetails & { readonly platform: HostPlatform };

function formatRelease(view: ReleaseView): string {
  const date = view.published_at === null ? '' : ` (${view.published_at.slice(0, 10)})`;
  const lines = [
    `${view.component} ${terminalSafe(view.tag)}${date}${view.prerelease ? ' prerelease' : ''}${staleSuffix(view.freshness)}`,
    `asset:      ${terminalSafe(view.asset.name)} for ${view.platform.os}-${view.platform.arch}${view.asset.size === null ? '' : `, ${view.asset.size} bytes`}`,
    `  chosen:   ${terminalSafe(view.asset.reason)}`,
    `url:        ${terminalSafe(view.asset.url)}`,
    view.checksum.sha256 === null
      ? `sha256:     none (${terminalSafe(view.checksum.reason)})`
      : `sha256:     ${view.checksum.sha256} (${view.checksum.source === 'checksum-file' ? `from ${terminalSafe(view.checksum.file)}` : 'from the registry index'})`,
    view.signature === null
      ? 'signature:  none'
      : `signature:  ${terminalSafe(view.signature.url)} (signs the ${view.signature.signs === 'asset' ? 'asset' : 'checksum file'}${view.signature.key === null ? '' : `, key ${view.signature.key}`})`,
  ];
  if (view.breaking_changes.length > 0) {
    lines.push('', 'breaking changes:');
    for (const b of view.breaking_changes) lines.push(`  - ${terminalSafe(b)}`);
  }
  lines.push('', 'notes:', view.notes.trim() === '' ? '  (none)' : terminalSafe(view.notes.trim()));
  return lines.join('\n');
}

/** `upkeep release`: the seed's get_release_metadata. */
export function registerRelease(program: Command, ctx: CliContext): void {
  withDiscoveryOptions(program.command('release'), ctx)
    .description('show one release: the asset for this host and why, URL, size, sha256, signature, notes')
    .argument('<component>', 'component name in versions.yaml')
    .argument('<version>', 'version (1.8.0) or exact tag (v1.8.0)')
    .option('--platform <os-arch>', 'choose the asset for this platform instead, such as linux-arm64')
    .action(async (component: string, version: string, options: ReleaseOptions) => {
      const view = await withDiscoverySession(ctx, options, async (session): Promise<ReleaseView> => {
        const target = session.target(component);
        const platform = options.platform === undefined ? target.platform : parsePlatform(options.platform);
        const details = await releaseDetails(
          target.source,
          version,
          { platform, download: target.sources.download, offline: target.offline },
          session.ctx,
        );
        return { ...details, platform };
      });
      printResult(ctx.out, options.json === true, view, () => formatRelease(view));
    });
}
