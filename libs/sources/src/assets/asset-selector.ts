import { UpkeepError } from '@upkeep/errors';
import { archAliases, osAliases, type HostPlatform } from '../model/host-platform.ts';
import type { Release, ReleaseAsset } from '../model/release.ts';
import type { DownloadSpec } from '../model/source-spec.ts';
import { shown } from '../sources/display.ts';
import { expandTemplate } from './template.ts';

/** The asset chosen for a host, and why. */
export interface AssetSelection {
  readonly asset: ReleaseAsset;
  readonly matched_by: 'archive_pattern' | 'platform_names';
  /** One sentence for the operator. */
  readonly reason: string;
  /** Other assets that matched the platform but ranked lower (platform matching only). */
  readonly alternatives: readonly string[];
}

const ARCHIVE_EXTENSIONS = ['.tar.gz', '.tgz', '.tar.xz', '.txz', '.tar.bz2', '.tar.zst', '.tar', '.zip'];

// Files published next to archives that are never the program itself.
const NOT_A_PROGRAM =
  /(\.(sha256|sha256sum|sha512|sha512sum|sha1|md5|asc|sig|pem|crt|cert|sbom|spdx|json|txt|ya?ml|intoto\.jsonl|deb|rpm|apk|msi|pkg|dmg|exe|sh)$)|((^|[^a-z])(checksums?|sha256sums|sbom)([^a-z]|$))/i;

function listNames(assets: readonly ReleaseAsset[], max = 12): string {
  const names = assets.map((a) => a.name);
  const head = names.slice(0, max).join(', ');
  return names.length > max ? `${head}, … (${names.length - max} more)` : head === '' ? '(none)' : head;
}

function unique(values: readonly (string | null | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== null && v !== undefined && v !== ''))];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function mentions(name: string, word: string): boolean {
  return new RegExp(`(^|[^a-z0-9])${escapeRegExp(word.toLowerCase())}($|[^a-z0-9])`).test(name.toLowerCase());
}

function byPattern(release: Release, pattern: string, platform: HostPlatform): AssetSelection {
  const versions = unique([release.version, release.tag.replace(/^v/, ''), release.tag]);
  const byName = new Map(release.assets.map((a) => [a.name, a]));
  const tried: string[] = [];
  for (const version of versions) {
    for (const os of osAliases(platform.os)) {
      for (const arch of archAliases(platform.arch)) {
        const name = expandTemplate(
          pattern,
          { VERSION: version, TAG: release.tag, OS: os, ARCH: arch },
          { field: 'download.archive_pattern' },
        );
        if (tried.includes(name)) continue;
        tried.push(name);
        const asset = byName.get(name);
        if (asset === undefined) continue;
        const notes = [
          version !== versions[0] ? `{VERSION} as ${version}` : undefined,
          os !== platform.os ? `{OS} as ${os}` : undefined,
          arch !== platform.arch ? `{ARCH} as ${arch}` : undefined,
        ].filter((n) => n !== undefined);
        return {
          asset,
          matched_by: 'archive_pattern',
          reason:
            `${name} matches download.archive_pattern "${pattern}" for ${platform.os}/${platform.arch}` +
            (notes.length > 0 ? ` (${notes.join(', ')})` : ''),
          alternatives: [],
        };
      }
    }
  }
  throw new UpkeepError(
    'ASSET_NOT_FOUND',
    `release ${shown(release.tag)} has no asset matching download.archive_pattern "${pattern}" ` +
      `(tried ${tried.slice(0, 6).join(', ')}${tried.length > 6 ? ', …' : ''}); its assets: ${listNames(release.assets)}`,
    {
      details: { tag: release.tag, pattern, tried, assets: release.assets.map((a) => a.name) },
      hint: 'correct download.archive_pattern to one of the asset names, with {VERSION}, {OS} and {ARCH}',
    },
  );
}

function byPlatformNames(
  release: Release,
  platform: HostPlatform,
  download: DownloadSpec,
  component: string,
): AssetSelection {
  const osNames = osAliases(platform.os);
  const archNames = archAliases(platform.arch);
  const archiveType = download.archiveType?.toLowerCase().replace(/^\./, '');
  const typed =
    archiveType !== undefined && ARCHIVE_EXTENSIONS.includes(`.${archiveType}`)
      ? `.${archiveType}`
      : undefined;
  const stems = unique([component, download.binaryName?.split(/[-_.]/)[0]]).map((s) => s.toLowerCase());
  const ranked: { asset: ReleaseAsset; score: number; why: string[] }[] = [];
  for (const asset of release.assets) {
    const name = asset.name.toLowerCase();
    if (NOT_A_PROGRAM.test(name)) continue;
    const os = osNames.find((n) => mentions(name, n));
    const arch = archNames.find((n) => mentions(name, n));
    if (os === undefined || arch === undefined) continue;
    if (typed !== undefined && !name.endsWith(typed)) continue;
    const why = [`names ${os} and ${arch}`];
    let score = 0;
    const stem = stems.find((s) => name.startsWith(s) && !/[a-z0-9]/.test(name.charAt(s.length)));
    if (stem !== undefined) {
      score += 4;
      why.push(`starts with ${stem}`);
    }
    if (typed !== undefined) {
      score += 2;
      why.push(`is a ${archiveType ?? ''} archive as download.archive_type says`);
    } else if (ARCHIVE_EXTENSIONS.some((ext) => name.endsWith(ext))) {
      score += 1;
      why.push('is an archive');
    }
    ranked.push({ asset, score, why });
  }
  ranked.sort((a, b) => b.score - a.score || a.asset.name.localeCompare(b.asset.name));
  const best = ranked[0];
  if (best === undefined) {
    throw new UpkeepError(
      'ASSET_NOT_FOUND',
      `release ${shown(release.tag)} has no asset for ${platform.os}/${platform.arch}` +
        `${typed === undefined ? '' : ` of type ${typed}`} (an asset name must mention ${osNames.join('|')} ` +
        `and ${archNames.join('|')}); its assets: ${listNames(release.assets)}`,
      {
        details: { tag: release.tag, platform, assets: release.assets.map((a) => a.name) },
        hint: 'set download.archive_pattern to the asset name with {VERSION}, {OS} and {ARCH}',
      },
    );
  }
  const tied = ranked.filter((r) => r.score === best.score);
  if (tied.length > 1) {
    throw new UpkeepError(
      'ASSET_NOT_FOUND',
      `release ${shown(release.tag)} has ${tied.length} assets that fit ${platform.os}/${platform.arch} equally well: ` +
        `${tied.map((r) => r.asset.name).join(', ')}; refusing to guess`,
      {
        details: { tag: release.tag, platform, candidates: tied.map((r) => r.asset.name) },
        hint: 'set download.archive_pattern to say which one, with {VERSION}, {OS} and {ARCH}',
      },
    );
  }
  return {
    asset: best.asset,
    matched_by: 'platform_names',
    reason: `${best.asset.name} ${best.why.join(', ')} (no download.archive_pattern set)`,
    alternatives: ranked.slice(1).map((r) => r.asset.name),
  };
}

/**
 * Picks the asset to install on a host. With `download.archive_pattern`, the asset named by
 * the pattern with `{VERSION}` (tried without and with the tag's `v`), `{OS}` and `{ARCH}`
 * (canonical names first, then aliases such as x86_64 and aarch64). Without it, the fallback
 * ranks assets whose name mentions the host's OS and CPU (amd64/x86_64, arm64/aarch64,
 * armv7/armhf, linux, darwin) as separate words, leaves out checksums, signatures, SBOMs and
 * packages, prefers the component's name as prefix and the configured archive type, and
 * refuses to guess between equals.
 * @throws UpkeepError ASSET_NOT_FOUND listing what the release has.
 */
export function selectAsset(
  release: Release,
  options: { readonly platform: HostPlatform; readonly download?: DownloadSpec; readonly component: string },
): AssetSelection {
  const download = options.download ?? {};
  if (download.archivePattern !== undefined && download.archivePattern !== '') {
    return byPattern(release, download.archivePattern, options.platform);
  }
  return byPlatformNames(release, options.platform, download, options.component);
}
