import { compareVersions, type Version } from '@upkeep/versioning';
import type { Severity } from '../config/policy-config.schema.ts';
import { findFlagUse, flagsIn, normalizeFlag } from './command-line-flags.ts';
import type { DecisionContext, ParsedBreakingChange } from './decision-context.ts';
import type { DecisionTrace } from './decision-trace.ts';
import { findBreakingNotes } from './release-notes-scanner.ts';
import type { ChangeSummary, DetectedBreakingChange } from './upgrade-decision.ts';

/** Release-note lines kept across all releases of one move; the rest are counted, not listed. */
const MAX_NOTE_CHANGES = 50;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Ends a fragment with a full stop unless it already ends a sentence. */
function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function isHighSeverity(severity: Severity): boolean {
  return severity === 'high' || severity === 'critical';
}

/** Whether the move goes across the release a change landed in (both ends taken into account). */
function crosses(ctx: DecisionContext, summary: ChangeSummary, landsIn: Version): boolean {
  const { current, target } = ctx;
  if (current === null) return compareVersions(landsIn, target) <= 0;
  if (summary.direction === 'upgrade') {
    return compareVersions(current, landsIn) < 0 && compareVersions(landsIn, target) <= 0;
  }
  return compareVersions(target, landsIn) < 0 && compareVersions(landsIn, current) <= 0;
}

interface FlagVerdict {
  readonly flag: string;
  readonly renamedTo: string | undefined;
  /** The flag whose use on this host would break the service after the move. */
  readonly harmful: string | undefined;
  readonly use: string | undefined;
}

function flagVerdict(
  ctx: DecisionContext,
  change: ParsedBreakingChange,
  reverted: boolean,
): FlagVerdict | undefined {
  const { entry } = change;
  if (entry.change_type !== 'flag_removal' && entry.change_type !== 'flag_rename') return undefined;
  const mentioned = flagsIn(entry.description);
  const flag = entry.flag === undefined ? mentioned[0] : normalizeFlag(entry.flag);
  if (flag === undefined) return undefined;
  const renamedTo =
    entry.renamed_to !== undefined
      ? normalizeFlag(entry.renamed_to)
      : entry.change_type === 'flag_rename'
        ? mentioned.find((f) => f !== flag)
        : undefined;
  // Going up, the old flag disappears. Going back down, a removed flag comes back
  // (harmless) but a renamed flag's new name is unknown to the older release.
  const harmful = !reverted ? flag : entry.change_type === 'flag_rename' ? renamedTo : undefined;
  const use =
    harmful === undefined || ctx.serviceArgs === null ? undefined : findFlagUse(ctx.serviceArgs, harmful);
  return { flag, renamedTo, harmful, use };
}

interface FlagFindings {
  readonly used: string[];
  /** Renamed flags in use that the caller rewrites. */
  readonly rewritten: string[];
  readonly unused: string[];
  readonly unknown: string[];
}

function fromConfig(
  ctx: DecisionContext,
  change: ParsedBreakingChange,
  reverted: boolean,
  flags: FlagFindings,
  trace: DecisionTrace,
): DetectedBreakingChange | undefined {
  const { component } = ctx;
  const { entry } = change;
  const landsIn = change.to.text;
  const verdict = flagVerdict(ctx, change, reverted);
  if (ctx.current === null && verdict?.use === undefined) return undefined;

  const detected: Mutable<DetectedBreakingChange> = {
    source: 'config',
    component,
    version: landsIn,
    from_version: change.from.text,
    to_version: landsIn,
    change_type: entry.change_type,
    description: entry.description,
    severity: entry.severity,
    affects_host: null,
  };
  if (entry.migration_guide !== undefined && entry.migration_guide !== '') {
    detected.migration_guide = entry.migration_guide;
  }
  if (reverted) detected.reverted = true;
  const guide =
    detected.migration_guide === undefined ? '' : ` Migration: ${sentence(detected.migration_guide)}`;
  const what = `(breaking_changes list, ${entry.change_type}, severity ${entry.severity}): ${sentence(entry.description)}`;
  trace.explain(
    ctx.current === null
      ? `Breaking change in ${landsIn} ${what}`
      : reverted
        ? `This downgrade undoes a breaking change from ${landsIn} ${what}`
        : `Breaking change in ${landsIn} ${what}${verdict?.use === undefined ? guide : ''}`,
  );

  if (verdict !== undefined) {
    detected.flag = verdict.flag;
    if (verdict.renamedTo !== undefined) detected.renamed_to = verdict.renamedTo;
    const fate =
      entry.change_type === 'flag_rename'
        ? `renamed${verdict.renamedTo === undefined ? '' : ` to ${verdict.renamedTo}`} in ${landsIn}`
        : `removed in ${landsIn}`;
    if (verdict.harmful === undefined) {
      detected.affects_host = false;
      detected.host_detail = `${verdict.flag} is available again in ${ctx.target.text}`;
      trace.explain(
        `Going back to ${ctx.target.text} brings ${verdict.flag} back, so this host is not affected.`,
      );
    } else if (
      verdict.use !== undefined &&
      ctx.rewritesRenamedFlags &&
      !reverted &&
      entry.change_type === 'flag_rename' &&
      verdict.renamedTo !== undefined
    ) {
      detected.affects_host = true;
      const to = rewrittenArgument(verdict.use, verdict.flag, verdict.renamedTo);
      detected.command_line_rewrite = { from: verdict.use, to };
      detected.host_detail = `this host runs ${component} with ${verdict.use}, ${fate}; the upgrade rewrites it to ${to}`;
      flags.rewritten.push(`${verdict.use} -> ${to}`);
      trace.explain(
        `This host runs ${component} with ${verdict.use}, ${fate}: the upgrade rewrites the service's command line to ${to}, and a rollback restores it.`,
      );
    } else if (verdict.use !== undefined) {
      detected.affects_host = true;
      const detail = reverted
        ? `this host runs ${component} with ${verdict.use}, which ${ctx.target.text} does not know (${verdict.flag} was ${fate})`
        : `this host runs ${component} with ${verdict.use}, ${fate}`;
      detected.host_detail = detail;
      flags.used.push(`${verdict.use} (${reverted ? `unknown to ${ctx.target.text}` : fate})`);
      const message = `${detail[0]?.toUpperCase() ?? ''}${detail.slice(1)}: the service will not start until its command line is changed.${guide}`;
      trace.explain(message);
      trace.warn(message);
      trace.requireManual(
        `${component} runs with ${verdict.use}, ${reverted ? `unknown to ${ctx.target.text}` : fate}`,
      );
    } else if (ctx.serviceArgs === null) {
      flags.unknown.push(verdict.harmful);
      const message = `The command line of ${component} on this host is unknown, so it cannot be told whether it uses ${verdict.harmful} (${fate}); treat the host as affected.`;
      trace.explain(message);
      trace.warn(message);
    } else {
      detected.affects_host = false;
      detected.host_detail = `this host does not use ${verdict.harmful}`;
      flags.unused.push(verdict.harmful);
      trace.explain(
        `This host does not run ${component} with ${verdict.harmful}, so ${reverted ? 'undoing the change' : `its ${entry.change_type === 'flag_rename' ? 'rename' : 'removal'} in ${landsIn}`} does not affect it.`,
      );
    }
  }

  if (detected.affects_host === false && detected.severity !== 'low') {
    detected.configured_severity = detected.severity;
    detected.severity = 'low';
  }
  if (detected.affects_host !== false && isHighSeverity(entry.severity) && verdict?.use === undefined) {
    trace.requireManual(
      `the ${entry.severity}-severity breaking change in ${landsIn} needs a person to apply its migration`,
    );
  }
  return detected;
}

function fromReleaseNotes(
  ctx: DecisionContext,
  summary: ChangeSummary,
  flags: FlagFindings,
  trace: DecisionTrace,
): DetectedBreakingChange[] {
  const { component, current } = ctx;
  if (current === null) return [];
  const reverted = summary.direction === 'downgrade';
  const inSpan = ctx.releaseNotes
    .filter((n) => crosses(ctx, summary, n.version))
    .sort((a, b) => compareVersions(a.version, b.version));
  const found: DetectedBreakingChange[] = [];
  let dropped = 0;
  const seen = new Set<string>();
  for (const note of inSpan) {
    for (const line of findBreakingNotes(note.body)) {
      if (seen.has(line)) continue;
      seen.add(line);
      if (found.length >= MAX_NOTE_CHANGES) {
        dropped += 1;
        continue;
      }
      const detected: Mutable<DetectedBreakingChange> = {
        source: 'release_notes',
        component,
        version: note.version.text,
        from_version: null,
        to_version: note.version.text,
        change_type: 'other',
        description: line,
        severity: 'medium',
        affects_host: null,
      };
      if (reverted) detected.reverted = true;
      const used =
        ctx.serviceArgs === null
          ? undefined
          : flagsIn(line)
              .map((flag) => findFlagUse(ctx.serviceArgs ?? [], flag))
              .find((arg) => arg !== undefined);
      if (used !== undefined) {
        detected.affects_host = true;
        detected.severity = 'high';
        detected.configured_severity = 'medium';
        detected.host_detail = `this host runs ${component} with ${used}, which this line mentions`;
        flags.used.push(`${used} (mentioned in the ${note.version.text} release notes)`);
        const message = `This host runs ${component} with ${used}, which the ${note.version.text} release notes mention in a breaking change: "${line}".`;
        trace.explain(message);
        trace.warn(message);
        trace.requireManual(
          `${component} runs with ${used}, named in a breaking change of ${note.version.text}`,
        );
      }
      found.push(detected);
    }
  }
  if (found.length > 0) {
    const versions = [...new Set(found.map((f) => f.version))].join(', ');
    trace.explain(
      `The release notes of ${versions} announce ${found.length + dropped} breaking change${found.length + dropped === 1 ? '' : 's'}${reverted ? ' that this downgrade undoes' : ''}: ${found
        .slice(0, 3)
        .map((f) => `"${f.description}"`)
        .join('; ')}${found.length > 3 ? '; ...' : ''}.`,
    );
  }
  if (dropped > 0) trace.warn(`${dropped} more breaking-change lines in the release notes are not listed.`);
  if (ctx.unreadableNotes.length > 0) {
    trace.warn(
      `Release notes for ${ctx.unreadableNotes.map((v) => JSON.stringify(v)).join(', ')} were not read: the version is not a semantic version.`,
    );
  }
  return found;
}

function fromMajorVersion(ctx: DecisionContext, summary: ChangeSummary): DetectedBreakingChange | undefined {
  const { current, target } = ctx;
  if (current === null || summary.kind !== 'major') return undefined;
  return {
    source: 'major_version',
    component: ctx.component,
    version: target.text,
    from_version: current.text,
    to_version: target.text,
    change_type: 'other',
    description: `Major version change: ${current.major}.x -> ${target.major}.x (likely contains breaking changes)`,
    severity: 'high',
    affects_host: null,
    ...(summary.direction === 'downgrade' ? { reverted: true } : {}),
  };
}

/**
 * Breaking changes the move crosses, from the seed's three sources: the
 * `breaking_changes` list, the release notes and a major version bump.
 *
 * A listed change lands in `to_version`; it applies when the move crosses that
 * release (installed < to_version <= target). `from_version` does not narrow
 * this: a host older than `from_version` crosses the same change, and missing it
 * would be a silent false negative. A downgrade crossing it undoes the change.
 * On a fresh install nothing is migrated, so only flag changes whose flag the
 * service's command line still uses are reported.
 *
 * Flag changes are matched against the service's command line: a host using the
 * flag needs a person (the service would not start); a host not using it gets a
 * note and the change counts as low severity. Other changes raise the risk to
 * medium, or high for high/critical severity (which also needs a person).
 */
export function detectBreakingChanges(
  ctx: DecisionContext,
  summary: ChangeSummary,
  trace: DecisionTrace,
): DetectedBreakingChange[] {
  if (!ctx.checks.breakingChanges) {
    trace.turnedOff(
      'breaking_change_detection',
      'Breaking-change detection is off (safety.breaking_change_detection: false): only the semver risk of the move counts.',
      ['breaking_changes', 'command_line_flags'],
    );
    return [];
  }
  const reverted = summary.direction === 'downgrade';
  if (ctx.current === null) {
    trace.explain(
      `Fresh install: there is no earlier version to migrate from, so breaking changes apply only where the service's command line uses a removed flag.`,
    );
  }
  const flags: FlagFindings = { used: [], rewritten: [], unused: [], unknown: [] };
  const found: DetectedBreakingChange[] = [];
  let flagChanges = 0;
  for (const change of ctx.breakingChanges) {
    if (!crosses(ctx, summary, change.to)) continue;
    if (change.entry.change_type === 'flag_removal' || change.entry.change_type === 'flag_rename')
      flagChanges += 1;
    const detected = fromConfig(ctx, change, reverted, flags, trace);
    if (detected !== undefined) found.push(detected);
  }
  found.push(...fromReleaseNotes(ctx, summary, flags, trace));
  const major = fromMajorVersion(ctx, summary);
  if (major !== undefined) {
    trace.explain(sentence(major.description));
    found.push(major);
  }

  for (const change of found) {
    if (change.affects_host === false || change.source === 'major_version') continue;
    trace.raiseRisk(
      isHighSeverity(change.severity) ? 'high' : 'medium',
      `${change.severity}-severity breaking change in ${change.version}${change.affects_host === true ? ' that affects this host' : ''}`,
    );
  }

  const affecting = found.filter((c) => c.affects_host !== false);
  const span =
    ctx.current === null
      ? `installing ${ctx.target.text}`
      : `between ${ctx.current.text} and ${ctx.target.text}`;
  if (found.length === 0) {
    trace.check('breaking_changes', 'passed', `no breaking changes known ${span}`);
  } else {
    trace.check(
      'breaking_changes',
      affecting.length === 0 ? 'passed' : 'warning',
      `${found.length} breaking change${found.length === 1 ? '' : 's'} ${span}` +
        (affecting.length === found.length
          ? ''
          : `, ${found.length - affecting.length} not affecting this host`),
    );
  }

  if (flags.used.length > 0) {
    trace.check('command_line_flags', 'failed', `this host runs with ${flags.used.join(', ')}`);
  } else if (flags.rewritten.length > 0) {
    trace.check(
      'command_line_flags',
      'warning',
      `renamed flags rewritten in the command line: ${flags.rewritten.join(', ')}`,
    );
  } else if (flags.unknown.length > 0) {
    trace.check(
      'command_line_flags',
      'skipped',
      `command line unknown; cannot check ${flags.unknown.join(', ')}`,
    );
  } else if (flags.unused.length > 0) {
    trace.check('command_line_flags', 'passed', `this host does not use ${flags.unused.join(', ')}`);
  } else if (flagChanges > 0 || ctx.serviceArgs !== null) {
    trace.check('command_line_flags', 'passed', 'no flag the command line uses is removed or renamed');
  } else {
    trace.check('command_line_flags', 'skipped', 'no flag changes in this move and no command line given');
  }
  return found;
}

/** The argument as it reads after the rename: `--old` becomes `--new`, `--old=v` becomes `--new=v` (findFlagUse's two forms). */
function rewrittenArgument(use: string, flag: string, renamedTo: string): string {
  return `${renamedTo}${use.slice(flag.length)}`;
}
