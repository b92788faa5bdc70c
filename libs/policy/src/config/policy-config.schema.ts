import { z } from 'zod';
import { RISK_LEVELS, STRATEGIES } from '@upkeep/versioning';
import { describeValue } from './config-issue.ts';
import {
  absolutePathText,
  argv,
  captureRegexText,
  constraintText,
  countOrPercent,
  driftText,
  durationSeconds,
  httpUrlText,
  integer,
  list,
  nameText,
  namedMap,
  octalModeText,
  registryLocationText,
  regexText,
  rule,
  section,
  seriesText,
  successConditionText,
  text,
  timeOfDayText,
  timeZoneText,
  urlTemplateText,
  versionText,
} from './schema-fields.ts';
import { NOTIFICATION_EVENTS, notificationsSchema } from './notifications.schema.ts';

export * from './notifications.schema.ts';

// The schema of versions.yaml. Every key is optional in the file (the seed
// leaves many out); defaults are applied by effectiveConfig, layer "default",
// so `explain` can say that a value was not written anywhere.

export const ARCHIVE_TYPES = ['tar.gz', 'tar.xz', 'zip', 'binary'] as const;
export const SERVICE_MANAGERS = ['systemd', 'command', 'none'] as const;
export const HEALTH_CHECK_TYPES = ['http', 'tcp', 'command'] as const;
export const VERSIONS_FORMATS = ['json', 'html'] as const;
export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export const WINDOW_OPERATIONS = ['install', 'upgrade', 'downgrade', 'rollback'] as const;
export const CHANGE_TYPES = [
  'flag_removal',
  'flag_rename',
  'config_change',
  'api',
  'behavior',
  'removal',
  'other',
] as const;
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const ON_FAILURE_ACTIONS = ['pause', 'abort'] as const;
export const OFFLINE_OUTCOMES = ['failed', 'skipped'] as const;
/** When a rollout's approvals are asked for: before it starts, or once its first (canary) wave is healthy. */
export const APPROVAL_STAGES = ['before_start', 'after_first_wave'] as const;
export const VERSION_BUMPS = ['patch', 'minor', 'major'] as const;

/** The keys that name where a component's releases come from; exactly one is set. */
export const SOURCE_KEYS = ['github_repo', 'gitlab_project', 'direct_url', 'registry'] as const;

const strategy = z.enum(STRATEGIES);
const riskLevels = list(z.enum(RISK_LEVELS));

const constraintsSchema = section({
  architecture: text().optional(),
  exclude_prereleases: z.boolean().optional(),
  version_pattern: regexText().optional(),
});

const globalShape = {
  default_strategy: strategy.optional(),
  github_api: section({
    enabled: z.boolean().optional(),
    timeout: durationSeconds({ positive: true }).optional(),
    cache_ttl: durationSeconds().optional(),
    rate_limit_threshold: integer(0).optional(),
    base_url: httpUrlText().optional(),
  }).optional(),
  gitlab_api: section({
    base_url: httpUrlText().optional(),
    timeout: durationSeconds({ positive: true }).optional(),
    cache_ttl: durationSeconds().optional(),
  }).optional(),
  cache: section({
    enabled: z.boolean().optional(),
    directory: text().optional(),
    ttl: durationSeconds().optional(),
    max_age: durationSeconds().optional(),
    cleanup_interval: durationSeconds().optional(),
  }).optional(),
  state_db: section({
    path: text().optional(),
    backup_enabled: z.boolean().optional(),
    backup_retention_days: integer(0).optional(),
  }).optional(),
  offline_mode: z.boolean().optional(),
  safety: section({
    compatibility_check: z.boolean().optional(),
    breaking_change_detection: z.boolean().optional(),
    security_advisory_check: z.boolean().optional(),
    require_checksum_verification: z.boolean().optional(),
    auto_upgrade: section({
      enabled: z.boolean().optional(),
      allowed_risk_levels: riskLevels.optional(),
      exclude_components: list(nameText()).optional(),
    }).optional(),
    rollback: section({
      auto_rollback_on_failure: z.boolean().optional(),
      retention_count: integer(1, 1000).optional(),
      retention_days: integer(0).optional(),
      max_size_mb: z.number().positive().optional(),
    }).optional(),
  }).optional(),
  advisories: section({
    enabled: z.boolean().optional(),
    osv_url: httpUrlText().optional(),
  }).optional(),
  metrics: section({
    textfile_dir: absolutePathText().optional(),
  }).optional(),
  constraints: constraintsSchema.optional(),
};

export const globalSettingsSchema = section(globalShape);

export const componentSchema = section({
  // Where releases come from.
  github_repo: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, {
      error: 'is not an OWNER/REPOSITORY name such as "prometheus/node_exporter"',
    })
    .optional(),
  gitlab_project: rule((value) =>
    (typeof value === 'number' && Number.isInteger(value) && value > 0) ||
    (typeof value === 'string' && /^(?:\d+|[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+)$/.test(value))
      ? { ok: true, value: String(value) }
      : {
          ok: false,
          message: `${describeValue(value)} is not a GitLab project path such as "group/project" or a numeric project id`,
        },
  ).optional(),
  direct_url: section({
    url_template: urlTemplateText(),
    versions_url: httpUrlText().optional(),
    versions_format: z.enum(VERSIONS_FORMATS).optional(),
  }).optional(),
  registry: section({ url: registryLocationText() }).optional(),
  tag_prefix: z.string().min(1).max(128).optional(),
  advisories: section({ ecosystem: text(), package: text() }).optional(),
  release_notes_breaking_patterns: list(regexText()).optional(),

  // Which version.
  strategy: strategy.optional(),
  version: versionText().optional(),
  constraint: constraintText().optional(),
  lts_series: list(seriesText()).optional(),
  minimum_version: versionText().optional(),
  fallback_version: versionText().optional(),

  download: section({
    archive_type: z.enum(ARCHIVE_TYPES).optional(),
    archive_pattern: text().optional(),
    binary_path_in_archive: text().optional(),
    binary_name: text().optional(),
    checksum_file: text().optional(),
    gpg_signature: z.boolean().optional(),
    signature_file: text().optional(),
    signature_key: text().optional(),
    max_size_mb: z.number().positive().optional(),
  }).optional(),

  install: section({
    binary_path: absolutePathText().optional(),
    config_path: absolutePathText().optional(),
    service_name: z
      .string()
      .regex(/^[A-Za-z0-9@._:-]{1,128}$/, { error: 'is not a service name such as "node_exporter"' })
      .optional(),
    unit_path: absolutePathText().optional(),
    service_manager: z.enum(SERVICE_MANAGERS).optional(),
    commands: section({
      start: argv().optional(),
      stop: argv().optional(),
      status: argv().optional(),
      reload: argv().optional(),
    }).optional(),
    args: list(z.string()).optional(),
    owner: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, { error: 'is not a user name such as "node_exporter"' })
      .optional(),
    group: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, { error: 'is not a group name such as "node_exporter"' })
      .optional(),
    mode: octalModeText().optional(),
  }).optional(),

  health_check: section({
    type: z.enum(HEALTH_CHECK_TYPES).optional(),
    url: httpUrlText().optional(),
    expected_status: integer(100, 599).optional(),
    body_contains: z.string().min(1).optional(),
    host: text().optional(),
    port: integer(1, 65_535).optional(),
    command: argv().optional(),
    timeout: durationSeconds({ positive: true }).optional(),
    retries: integer(0, 100).optional(),
    interval: durationSeconds().optional(),
    min_healthy_time: durationSeconds().optional(),
  }).optional(),

  version_check: section({
    command: argv().optional(),
    pattern: captureRegexText().optional(),
  }).optional(),

  constraints: constraintsSchema.optional(),
  compatible_with: namedMap(constraintText()).optional(),

  upgrade: section({
    auto_upgrade_enabled: z.boolean().optional(),
    allowed_risk_levels: riskLevels.optional(),
    require_manual_approval_for_major: z.boolean().optional(),
    sync_version_with: nameText().optional(),
    allowed_version_drift: driftText().optional(),
    minimum_release_age: durationSeconds().optional(),
  }).optional(),
});

const waveSchema = section({
  name: nameText(),
  size: countOrPercent({ minCount: 1, what: 'a wave size' }),
  max_parallel: integer(1, 10_000).optional(),
  bake_time: durationSeconds().optional(),
  failure_threshold: countOrPercent({ minCount: 1, what: 'a failure threshold' }).optional(),
  approval: z.boolean().optional(),
});

const gateSchema = section({
  query: text(),
  success_condition: successConditionText(),
  for: durationSeconds().optional(),
});

/** `upgrade_policies.rollouts` and `environments.<env>.rollouts`: the defaults of a rollout. */
export const rolloutDefaultsSchema = section({
  waves: list(waveSchema)
    .check((ctx) => {
      const seen = new Set<string>();
      ctx.value.forEach((wave, index) => {
        if (seen.has(wave.name)) {
          ctx.issues.push({
            code: 'custom',
            path: [index, 'name'],
            input: wave.name,
            message: `wave name ${JSON.stringify(wave.name)} is used twice; give each wave its own name`,
          });
        }
        seen.add(wave.name);
      });
      if (ctx.value.length === 0) {
        ctx.issues.push({ code: 'custom', input: ctx.value, message: 'needs at least one wave' });
      }
    })
    .optional(),
  on_failure: z.enum(ON_FAILURE_ACTIONS).optional(),
  revert_wave_on_failure: z.boolean().optional(),
  rollback_on_abort: z.boolean().optional(),
  offline: section({
    deadline: durationSeconds().optional(),
    count_as: z.enum(OFFLINE_OUTCOMES).optional(),
  }).optional(),
  gates: list(gateSchema).optional(),
});

const approvalRuleSchema = section({
  required: integer(0, 10).optional(),
  stage: z.enum(APPROVAL_STAGES).optional(),
  maintenance_window: z.boolean().optional(),
});

/** `upgrade_policies.approvals` and `environments.<env>.approvals`. */
export const approvalsSchema = section({
  forbid_self_approval: z.boolean().optional(),
  patch: approvalRuleSchema.optional(),
  minor: approvalRuleSchema.optional(),
  major: approvalRuleSchema.optional(),
  /** The floor when the decision needs review: high risk, `requires_manual`, breaking changes. */
  manual_review: approvalRuleSchema.optional(),
});

export const environmentSchema = section({
  ...globalShape,
  component_overrides: namedMap(componentSchema).optional(),
  rollouts: rolloutDefaultsSchema.optional(),
  approvals: approvalsSchema.optional(),
});

const maintenanceWindowSchema = section({
  day: z.preprocess((value) => (typeof value === 'string' ? value.toLowerCase() : value), z.enum(WEEKDAYS)),
  start_time: timeOfDayText(false),
  end_time: timeOfDayText(true),
  allowed_operations: list(z.enum(WINDOW_OPERATIONS)).optional(),
  timezone: timeZoneText().optional(),
  /** Host groups the window applies to; absent: every group. */
  groups: list(nameText()).optional(),
  /** Environments the window applies to; absent: every environment. */
  environments: list(nameText()).optional(),
}).superRefine((window, ctx) => {
  if (window.start_time === window.end_time) {
    ctx.addIssue({
      code: 'custom',
      path: ['end_time'],
      input: window.end_time,
      message: `end_time equals start_time (${window.start_time}): the window is empty; for a whole day write "00:00" to "24:00"`,
    });
  }
});

export const excludedVersionSchema = section({
  version: versionText(),
  reason: text(),
  issue_url: z.string().min(1).optional(),
});

export const upgradePoliciesSchema = section({
  notifications: notificationsSchema.optional(),
  maintenance_windows: section({
    enabled: z.boolean().optional(),
    timezone: timeZoneText().optional(),
    windows: list(maintenanceWindowSchema).optional(),
    /** A host group's time zone, used by windows that name none themselves. */
    group_timezones: namedMap(timeZoneText()).optional(),
  }).optional(),
  rollouts: rolloutDefaultsSchema.optional(),
  approvals: approvalsSchema.optional(),
  pinned_versions: namedMap(versionText()).optional(),
  excluded_versions: namedMap(list(excludedVersionSchema)).optional(),
});

export const breakingChangeSchema = section({
  component: nameText(),
  from_version: versionText(),
  to_version: versionText(),
  change_type: z.enum(CHANGE_TYPES),
  description: text(),
  migration_guide: text().optional(),
  severity: z.enum(SEVERITIES),
  // For flag changes: the flag (`--collector.diskstats`); default the first `--flag` in the description.
  flag: text().optional(),
  // For `flag_rename`: the new name; default the second `--flag` in the description.
  renamed_to: text().optional(),
});

export const policyConfigSchema = section({
  global: globalSettingsSchema.optional(),
  components: namedMap(componentSchema).optional(),
  environments: namedMap(environmentSchema).optional(),
  upgrade_policies: upgradePoliciesSchema.optional(),
  breaking_changes: list(breakingChangeSchema).optional(),
});

/** `T` with every nested object and list read-only, for values the policy only reads. */
type ReadonlyDeep<T> = T extends readonly (infer U)[]
  ? readonly ReadonlyDeep<U>[]
  : T extends object
    ? { readonly [K in keyof T]: ReadonlyDeep<T[K]> }
    : T;

export type GlobalSettings = z.output<typeof globalSettingsSchema>;
export type ComponentConfig = z.output<typeof componentSchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;
export type UpgradePolicies = z.output<typeof upgradePoliciesSchema>;
/**
 * One entry of the `breaking_changes` database. The change lands in
 * `to_version`; `from_version` is the last version with the old behaviour.
 */
export type BreakingChange = ReadonlyDeep<z.output<typeof breakingChangeSchema>>;
export type ExcludedVersionEntry = ReadonlyDeep<z.output<typeof excludedVersionSchema>>;
/**
 * One `maintenance_windows.windows` entry: it opens on `day` at `start_time`
 * (`HH:MM`, wall clock in `timezone`, default UTC) and closes at `end_time`
 * (`HH:MM` or `24:00`; earlier than the start: the next day).
 * `allowed_operations` absent allows every operation.
 */
export type MaintenanceWindow = ReadonlyDeep<z.output<typeof maintenanceWindowSchema>>;
export type ComponentConstraints = z.output<typeof constraintsSchema>;
export type DownloadConfig = NonNullable<ComponentConfig['download']>;
export type InstallConfig = NonNullable<ComponentConfig['install']>;
export type HealthCheckConfig = NonNullable<ComponentConfig['health_check']>;
export type VersionCheckConfig = NonNullable<ComponentConfig['version_check']>;
/**
 * `components.<name>.upgrade`. A component can opt out of auto-upgrade
 * (`auto_upgrade_enabled: false`), not opt in when the global switch is off;
 * `allowed_risk_levels` replaces the global list; `require_manual_approval_for_major`
 * defaults to true; `allowed_version_drift` (`MAJOR.MINOR.PATCH` with one non-zero
 * part, default `0.0.0`) is how far from `sync_version_with` the version may be.
 */
export type UpgradeSettings = ReadonlyDeep<NonNullable<ComponentConfig['upgrade']>>;
/** `global.safety`. */
export type SafetySettings = ReadonlyDeep<NonNullable<GlobalSettings['safety']>>;
/** `global.safety.auto_upgrade`. */
export type AutoUpgradeSettings = NonNullable<SafetySettings['auto_upgrade']>;
/** `global.safety.rollback`. */
export type RollbackSettings = NonNullable<SafetySettings['rollback']>;
/** `upgrade_policies.maintenance_windows`. */
export type MaintenanceWindowSettings = ReadonlyDeep<NonNullable<UpgradePolicies['maintenance_windows']>>;
/** `upgrade_policies.rollouts` as written (durations in seconds, sizes as `"3"` / `"25%"`). */
export type RolloutDefaults = ReadonlyDeep<z.output<typeof rolloutDefaultsSchema>>;
/** `upgrade_policies.approvals` as written. */
export type ApprovalSettings = ReadonlyDeep<z.output<typeof approvalsSchema>>;
export type OnFailureAction = (typeof ON_FAILURE_ACTIONS)[number];
export type OfflineOutcome = (typeof OFFLINE_OUTCOMES)[number];
export type ApprovalStage = (typeof APPROVAL_STAGES)[number];
export type VersionBump = (typeof VERSION_BUMPS)[number];
export type DirectUrlSource = NonNullable<ComponentConfig['direct_url']>;
export type RegistrySource = NonNullable<ComponentConfig['registry']>;
export type AdvisorySource = NonNullable<ComponentConfig['advisories']>;
export type SourceKey = (typeof SOURCE_KEYS)[number];
export type ArchiveType = (typeof ARCHIVE_TYPES)[number];
export type ServiceManager = (typeof SERVICE_MANAGERS)[number];
export type HealthCheckType = (typeof HEALTH_CHECK_TYPES)[number];
export type Weekday = (typeof WEEKDAYS)[number];
export type WindowOperation = (typeof WINDOW_OPERATIONS)[number];
export type ChangeType = (typeof CHANGE_TYPES)[number];
export type Severity = (typeof SEVERITIES)[number];
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/**
 * A window as loaded: `timezone` filled in (the window's own, else `maintenance_windows.timezone`,
 * else UTC); `inherits_timezone` says the window named none itself, so a host group's
 * `group_timezones` entry takes precedence over the filled-in zone.
 */
export type ConfiguredWindow = MaintenanceWindow & { readonly inherits_timezone?: boolean };

export type ConfiguredWindowSettings = Omit<MaintenanceWindowSettings, 'windows'> & {
  readonly windows?: readonly ConfiguredWindow[] | undefined;
};

/** versions.yaml as loaded: every section present (empty when the file omits it). */
export interface PolicyConfig {
  readonly global: GlobalSettings;
  readonly components: Readonly<Record<string, ComponentConfig>>;
  readonly environments: Readonly<Record<string, EnvironmentConfig>>;
  readonly upgrade_policies: Omit<UpgradePolicies, 'maintenance_windows'> & {
    readonly maintenance_windows?: ConfiguredWindowSettings | undefined;
    readonly pinned_versions: Readonly<Record<string, string>>;
    readonly excluded_versions: Readonly<Record<string, readonly ExcludedVersionEntry[]>>;
  };
  readonly breaking_changes: readonly BreakingChange[];
  /** The file name messages use (`versions.yaml`). */
  readonly source: string;
}
