import type { RiskLevel, StrategyName } from '@upkeep/versioning';

/** The global settings with every default filled in (durations in seconds). */
export interface EffectiveGlobal {
  readonly default_strategy: StrategyName;
  readonly github_api: {
    readonly enabled: boolean;
    readonly timeout: number;
    readonly cache_ttl: number;
    readonly rate_limit_threshold: number;
    readonly base_url: string;
  };
  readonly gitlab_api: { readonly base_url: string; readonly timeout: number; readonly cache_ttl: number };
  readonly cache: {
    readonly enabled: boolean;
    readonly directory: string;
    readonly ttl: number;
    readonly max_age: number;
    readonly cleanup_interval: number;
  };
  readonly state_db: {
    readonly path: string;
    readonly backup_enabled: boolean;
    readonly backup_retention_days: number;
  };
  readonly offline_mode: boolean;
  readonly safety: {
    readonly compatibility_check: boolean;
    readonly breaking_change_detection: boolean;
    readonly security_advisory_check: boolean;
    readonly require_checksum_verification: boolean;
    readonly auto_upgrade: {
      readonly enabled: boolean;
      readonly allowed_risk_levels: readonly RiskLevel[];
      readonly exclude_components: readonly string[];
    };
    readonly rollback: {
      readonly auto_rollback_on_failure: boolean;
      readonly retention_count: number;
      readonly retention_days: number;
      readonly max_size_mb: number;
    };
  };
  readonly advisories: { readonly enabled: boolean; readonly osv_url: string };
  readonly metrics: { readonly textfile_dir?: string | undefined };
  readonly constraints: {
    readonly architecture?: string | undefined;
    readonly exclude_prereleases: boolean;
    readonly version_pattern?: string | undefined;
  };
}

/**
 * What Upkeep assumes when versions.yaml says nothing: the seed's values where
 * the seed gives one, safe choices otherwise (no auto-upgrade, checksums required).
 */
export const GLOBAL_DEFAULTS: EffectiveGlobal = {
  default_strategy: 'latest',
  github_api: {
    enabled: true,
    timeout: 10,
    cache_ttl: 900,
    rate_limit_threshold: 10,
    base_url: 'https://api.github.com',
  },
  gitlab_api: { base_url: 'https://gitlab.com', timeout: 10, cache_ttl: 900 },
  cache: {
    enabled: true,
    directory: '/var/cache/upkeep',
    ttl: 900,
    max_age: 86_400,
    cleanup_interval: 86_400,
  },
  state_db: { path: '/var/lib/upkeep/state.db', backup_enabled: true, backup_retention_days: 30 },
  offline_mode: false,
  safety: {
    compatibility_check: true,
    breaking_change_detection: true,
    security_advisory_check: true,
    require_checksum_verification: true,
    auto_upgrade: { enabled: false, allowed_risk_levels: ['low'], exclude_components: [] },
    rollback: { auto_rollback_on_failure: true, retention_count: 3, retention_days: 30, max_size_mb: 1000 },
  },
  advisories: { enabled: true, osv_url: 'https://api.osv.dev' },
  metrics: {},
  constraints: { exclude_prereleases: true },
};
