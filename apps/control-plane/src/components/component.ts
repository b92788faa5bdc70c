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
