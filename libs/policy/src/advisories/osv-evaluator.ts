import { compareVersions, parseTag, parseVersion, type Version } from '@upkeep/versioning';
import type { OsvAffected, OsvEvent, OsvEventKind, OsvRange, OsvRecord } from './osv-record.ts';

/** Which package of a record to look at; `ecosystem` also matches suffixed forms (`Debian` ~ `Debian:12`). */
export interface OsvPackageRef {
  readonly name: string;
  readonly ecosystem?: string | undefined;
}

export interface OsvEvaluateOptions {
  /**
   * Only `affected[]` entries for these packages count. Default: every entry,
   * which is right when the records were already fetched for one package.
   */
  readonly package?: OsvPackageRef | readonly OsvPackageRef[] | undefined;
}

/** One reason a version is affected. */
export interface OsvMatch {
  /** `"Go github.com/prometheus/node_exporter"`, or null for an entry without a package. */
  readonly package: string | null;
  readonly via: 'versions' | 'range';
  readonly rangeType: string | null;
  /** The affected interval in words, such as `>=0 <1.6.1` or `listed in affected versions`. */
  readonly interval: string;
}

export interface OsvEvaluation {
  readonly id: string;
  readonly version: string;
  readonly affected: boolean;
  readonly withdrawn: boolean;
  readonly matches: readonly OsvMatch[];
  /**
   * Ranges that could not be evaluated and why (GIT ranges, versions that do not
   * parse, ecosystems whose ordering is not semver). Never silently clean: the
   * caller reports them.
   */
  readonly undetermined: readonly string[];
  /** The lowest `fixed` version above `version` in the matching entries, when affected. */
  readonly fixedIn: string | null;
}

/** Ecosystems whose versions are ordered as SemVer 2.0 (OSV ecosystem list). */
const SEMVER_ECOSYSTEMS = new Set(['go', 'npm', 'crates.io', 'hex', 'pub', 'swifturl', 'github actions']);
const PLAIN_RELEASE = /^v?\d+\.\d+\.\d+$/;

type Point =
  | { readonly kind: 'zero'; readonly text: string }
  | { readonly kind: 'infinity'; readonly text: string }
  | { readonly kind: 'version'; readonly text: string; readonly version: Version };

interface PlacedEvent {
  readonly kind: OsvEventKind;
  readonly point: Point;
  readonly index: number;
}

type RangeResult =
  | { readonly status: 'affected'; readonly interval: string; readonly fixed: readonly Point[] }
  | { readonly status: 'not_affected'; readonly fixed: readonly Point[] }
  | { readonly status: 'undetermined'; readonly reason: string };

function eventKind(event: OsvEvent): OsvEventKind {
  if ('introduced' in event) return 'introduced';
  if ('fixed' in event) return 'fixed';
  if ('last_affected' in event) return 'last_affected';
  return 'limit';
}

function eventValue(event: OsvEvent): string {
  if ('introduced' in event) return event.introduced;
  if ('fixed' in event) return event.fixed;
  if ('last_affected' in event) return event.last_affected;
  return event.limit;
}

function comparePoints(a: Point, b: Point): number {
  const rank = (p: Point): number => (p.kind === 'zero' ? 0 : p.kind === 'version' ? 1 : 2);
  if (a.kind === 'version' && b.kind === 'version') return compareVersions(a.version, b.version);
  return rank(a) - rank(b);
}

const KIND_ORDER: Record<OsvEventKind, number> = { introduced: 0, last_affected: 1, fixed: 2, limit: 3 };

/** How one range reads its version strings: SemVer, or an ecosystem whose order we can vouch for. */
function readerFor(
  range: OsvRange,
  ecosystem: string | undefined,
): ((text: string) => Version | string) | string {
  if (range.type === 'GIT') {
    return 'GIT ranges need the repository commit graph; only the versions list is used';
  }
  if (range.type !== 'SEMVER' && range.type !== 'ECOSYSTEM') {
    return `range type ${JSON.stringify(range.type)} is not one of SEMVER, ECOSYSTEM, GIT`;
  }
  const base = (ecosystem ?? '').split(':')[0]?.trim().toLowerCase() ?? '';
  const semverOrdered = range.type === 'SEMVER' || SEMVER_ECOSYSTEMS.has(base);
  return (text: string) => {
    // Outside SemVer ecosystems, plain MAJOR.MINOR.PATCH numbers still order the
    // same way in every ecosystem OSV lists; anything richer needs that ecosystem's own rules.
    if (!semverOrdered && !PLAIN_RELEASE.test(text.trim())) {
      return `${JSON.stringify(text)} is not a plain MAJOR.MINOR.PATCH version and ${ecosystem ?? 'this ecosystem'} does not order versions as SemVer`;
    }
    const parsed = parseTag(text.trim());
    return parsed.ok ? parsed.version : `${JSON.stringify(text)} is not a semantic version`;
  };
}

function describeInterval(opened: Point, closing: PlacedEvent | undefined): string {
  const lower = opened.kind === 'zero' ? '>=0' : `>=${opened.text}`;
  if (closing === undefined) return `${lower} (no fixed version)`;
  return closing.kind === 'fixed' ? `${lower} <${closing.point.text}` : `${lower} <=${closing.point.text}`;
}

function evaluateRange(range: OsvRange, version: Version, ecosystem: string | undefined): RangeResult {
  const read = readerFor(range, ecosystem);
  if (typeof read === 'string') return { status: 'undetermined', reason: read };
  const target = read(version.text);
  if (typeof target === 'string') return { status: 'undetermined', reason: `version ${target}` };
  const subject: Point = { kind: 'version', text: target.text, version: target };

  const placed: PlacedEvent[] = [];
  for (const [index, event] of range.events.entries()) {
    const kind = eventKind(event);
    const text = eventValue(event).trim();
    if (kind === 'introduced' && text === '0') {
      placed.push({ kind, point: { kind: 'zero', text }, index });
    } else if (kind === 'limit' && text.includes('*')) {
      placed.push({ kind, point: { kind: 'infinity', text }, index });
    } else {
      const parsed = read(text);
      if (typeof parsed === 'string') return { status: 'undetermined', reason: `${kind} ${parsed}` };
      placed.push({ kind, point: { kind: 'version', text: parsed.text, version: parsed }, index });
    }
  }
  if (!placed.some((e) => e.kind === 'introduced')) {
    return { status: 'undetermined', reason: 'the range has no introduced event' };
  }
  const fixed = placed.filter((e) => e.kind === 'fixed').map((e) => e.point);

  // BeforeLimits: with no limit event an implicit "*" applies.
  const limits = placed.filter((e) => e.kind === 'limit');
  if (limits.length > 0 && !limits.some((e) => comparePoints(subject, e.point) < 0)) {
    return { status: 'not_affected', fixed };
  }

  // Events at the same version keep a fixed order (introduced first) so the verdict
  // does not depend on how the record happened to list them.
  const timeline = placed
    .filter((e) => e.kind !== 'limit')
    .sort(
      (a, b) =>
        comparePoints(a.point, b.point) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.index - b.index,
    );
  let vulnerable = false;
  let openedAt = -1;
  for (const [position, event] of timeline.entries()) {
    const order = comparePoints(subject, event.point);
    if (event.kind === 'introduced') {
      if (order >= 0) {
        vulnerable = true;
        openedAt = position;
      }
    } else if (event.kind === 'fixed') {
      if (order >= 0) vulnerable = false;
    } else if (order > 0) {
      vulnerable = false;
    }
  }
  if (!vulnerable) return { status: 'not_affected', fixed };
  const opened = timeline[openedAt];
  const closing = timeline.slice(openedAt + 1).find((e) => e.kind === 'fixed' || e.kind === 'last_affected');
  return {
    status: 'affected',
    interval: describeInterval(opened?.point ?? { kind: 'zero', text: '0' }, closing),
    fixed,
  };
}

function packageMatches(affected: OsvAffected, refs: readonly OsvPackageRef[] | undefined): boolean {
  if (refs === undefined) return true;
  const pkg = affected.package;
  if (pkg === undefined) return false;
  return refs.some((ref) => {
    if (ref.name !== pkg.name) return false;
    if (ref.ecosystem === undefined) return true;
    const wanted = ref.ecosystem.toLowerCase();
    const actual = pkg.ecosystem.toLowerCase();
    return actual === wanted || actual.startsWith(`${wanted}:`);
  });
}

function listsVersion(versions: readonly string[], version: Version): boolean {
  return versions.some((listed) => {
    if (listed.trim() === version.raw || listed.trim() === version.text) return true;
    const parsed = parseTag(listed.trim());
    return parsed.ok && compareVersions(parsed.version, version) === 0;
  });
}

function packageLabel(affected: OsvAffected): string | null {
  return affected.package === undefined ? null : `${affected.package.ecosystem} ${affected.package.name}`;
}

/**
 * Evaluates whether `version` is affected by an OSV record, exactly as the
 * schema's IsVulnerable algorithm: an `affected[]` entry of a matching package
 * affects the version when its `versions` list names it or one of its SEMVER or
 * ECOSYSTEM ranges includes it (events sorted by version, `introduced: "0"` before
 * everything, `fixed` exclusive, `last_affected` inclusive, `limit` exclusive with
 * `"*"` as infinity). A withdrawn record affects nothing.
 * @param options.package restricts the entries considered; default all.
 */
export function evaluateAdvisory(
  record: OsvRecord,
  version: string | Version,
  options: OsvEvaluateOptions = {},
): OsvEvaluation {
  const subject = typeof version === 'string' ? parseVersion(version) : version;
  const refs =
    options.package === undefined
      ? undefined
      : Array.isArray(options.package)
        ? (options.package as readonly OsvPackageRef[])
        : [options.package as OsvPackageRef];
  const base = { id: record.id, version: subject.text };
  if (record.withdrawn !== undefined) {
    return { ...base, affected: false, withdrawn: true, matches: [], undetermined: [], fixedIn: null };
  }

  const matches: OsvMatch[] = [];
  const undetermined: string[] = [];
  const fixedPoints: Point[] = [];
  for (const [entryIndex, entry] of (record.affected ?? []).entries()) {
    if (!packageMatches(entry, refs)) continue;
    const label = packageLabel(entry);
    const versions = entry.versions ?? [];
    if (listsVersion(versions, subject)) {
      matches.push({
        package: label,
        via: 'versions',
        rangeType: null,
        interval: 'listed in affected versions',
      });
    }
    for (const [rangeIndex, range] of (entry.ranges ?? []).entries()) {
      // A GIT range comes with the tags it covers in `versions`, which was just checked.
      if (range.type === 'GIT' && versions.length > 0) continue;
      const result = evaluateRange(range, subject, entry.package?.ecosystem);
      if (result.status === 'undetermined') {
        undetermined.push(`affected[${entryIndex}].ranges[${rangeIndex}]: ${result.reason}`);
        continue;
      }
      fixedPoints.push(...result.fixed);
      if (result.status === 'affected') {
        matches.push({ package: label, via: 'range', rangeType: range.type, interval: result.interval });
      }
    }
  }
  const affected = matches.length > 0;
  const subjectPoint: Point = { kind: 'version', text: subject.text, version: subject };
  const fixedIn = affected
    ? (fixedPoints
        .filter((p) => comparePoints(p, subjectPoint) > 0)
        .sort(comparePoints)
        .at(0)?.text ?? null)
    : null;
  return { ...base, affected, withdrawn: false, matches, undetermined, fixedIn };
}

/**
 * Whether `version` is affected by the record (see {@link evaluateAdvisory}).
 * Ranges that cannot be evaluated do not count as affected; use
 * `evaluateAdvisory` to see them.
 */
export function isAffected(
  record: OsvRecord,
  version: string | Version,
  options: OsvEvaluateOptions = {},
): boolean {
  return evaluateAdvisory(record, version, options).affected;
}
