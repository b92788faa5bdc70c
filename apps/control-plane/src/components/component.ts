export interface ReleaseView {
  readonly version: string;
  readonly tag: string;
  readonly prerelease: boolean;
  readonly publishedAt: string | null;
  readonly notesUrl: string | null;
}

export interface ComponentView {
  readonly name: string;
  readonly description: string;
  readonly sources: readonly { readonly kind: string; readonly priority: number }[];
  /** Newest published release known to the catalog, if any. */
  readonly latest: ReleaseView | null;
  /** How many hosts report it installed, by version. */
  readonly installed: Readonly<Record<string, number>>;
}

export interface EnvironmentTarget {
  /** null: the base policy, without an `environments.<name>` overlay. */
  readonly environment: string | null;
  readonly version: string | null;
  /** Why nothing resolved (no releases yet, no matching release…). */
  readonly message: string | null;
}

export interface AdvisoryView {
  readonly id: string;
  readonly severity: string;
  readonly summary: string;
  readonly fixedIn: string | null;
  readonly publishedAt: string | null;
}

export interface BreakingChangeView {
  readonly version: string;
  readonly description: string;
  readonly migrationNotes: string | null;
}

/** One component for the console's components page: upstream, per-environment target, risks. */
export interface ComponentOverview {
  readonly name: string;
  readonly managed: boolean;
  readonly releases: readonly ReleaseView[];
  readonly environments: readonly EnvironmentTarget[];
  readonly advisories: readonly AdvisoryView[];
  readonly breakingChanges: readonly BreakingChangeView[];
}
