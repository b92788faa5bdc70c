import type { OsvRecord } from '../advisories/index.ts';
import type { PolicyConfig } from '../config/policy-config.schema.ts';
import type { DecisionInput, ReleaseNote } from '../decision/decision-input.ts';
import { effectiveComponent, effectiveGlobal, excludedVersionsOf } from './effective-config.ts';

/** What the config cannot know: the host, the move asked for, and what was fetched. */
export interface DecisionInputOptions {
  /** `environments.<name>` to overlay; undefined: none. */
  readonly environment?: string | undefined;
  readonly component: string;
  readonly currentVersion: string | null;
  readonly targetVersion: string;
  readonly force?: boolean | undefined;
  readonly installedVersions?: Readonly<Record<string, string>> | undefined;
  /** Undefined: no advisory source was consulted. */
  readonly advisories?: readonly OsvRecord[] | undefined;
  readonly releaseNotes?: readonly ReleaseNote[] | undefined;
  readonly knownVersions?: readonly string[] | undefined;
  readonly targetPublishedAt?: string | null | undefined;
  readonly serviceArgs?: readonly string[] | undefined;
  readonly rewritesRenamedFlags?: boolean | undefined;
  readonly now: Date;
}

/**
 * The decision input for one component in one environment, from the effective
 * (overlaid) config: its `compatible_with` and `upgrade` settings (with
 * `minimum_release_age`, default 0), the safety checks, auto-upgrade and
 * rollback settings of `global.safety` (defaults < global < environment), the
 * component's `upgrade_policies.excluded_versions`, the whole `breaking_changes`
 * database, `upgrade_policies.maintenance_windows` (default disabled), and
 * advisories restricted to the component's `advisories` package when it names one.
 * @throws UpkeepError UNKNOWN_ENVIRONMENT / UNKNOWN_COMPONENT listing the known names.
 */
export function decisionInputFor(config: PolicyConfig, options: DecisionInputOptions): DecisionInput {
  const component = effectiveComponent(config, options.environment, options.component);
  const { safety } = effectiveGlobal(config, options.environment);
  const { minimum_release_age: minimumReleaseAge, ...upgrade } = component.upgrade ?? {};
  const windows = config.upgrade_policies.maintenance_windows;
  return {
    component: options.component,
    currentVersion: options.currentVersion,
    targetVersion: options.targetVersion,
    force: options.force,
    installedVersions: options.installedVersions,
    compatibleWith: component.compatible_with,
    excludedVersions: excludedVersionsOf(config, options.component),
    breakingChanges: config.breaking_changes,
    releaseNotes: options.releaseNotes,
    knownVersions: options.knownVersions,
    advisories: options.advisories,
    advisoryPackages:
      component.advisories === undefined
        ? undefined
        : [{ ecosystem: component.advisories.ecosystem, name: component.advisories.package }],
    safety: {
      compatibility_check: safety.compatibility_check,
      breaking_change_detection: safety.breaking_change_detection,
      security_advisory_check: safety.security_advisory_check,
    },
    autoUpgrade: safety.auto_upgrade,
    upgrade,
    rollback: { auto_rollback_on_failure: safety.rollback.auto_rollback_on_failure },
    minimumReleaseAge: minimumReleaseAge ?? 0,
    targetPublishedAt: options.targetPublishedAt,
    maintenanceWindows:
      windows === undefined
        ? undefined
        : {
            enabled: windows.enabled,
            // A window limited to other environments does not apply here.
            windows: (windows.windows ?? [])
              .filter(
                (window) =>
                  window.environments === undefined ||
                  (options.environment !== undefined && window.environments.includes(options.environment)),
              )
              .map(({ inherits_timezone: _inherits, ...window }) => window),
          },
    serviceArgs: options.serviceArgs,
    rewritesRenamedFlags: options.rewritesRenamedFlags,
    now: options.now,
  };
}
