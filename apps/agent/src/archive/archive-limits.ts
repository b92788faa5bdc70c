/** Bounds on what one archive may expand to; past any of them it is refused as a bomb. */
export interface ArchiveLimits {
  /** Sum of all regular files' sizes. */
  readonly maxTotalBytes: number;
  /** Size of any single file. */
  readonly maxEntryBytes: number;
  /** Files and folders together. */
  readonly maxEntries: number;
  /** Path components of an entry (`a/b/c` is 3). */
  readonly maxDepth: number;
  /** Length of an entry's path, in UTF-16 code units. */
  readonly maxPathLength: number;
  /** Expanded size divided by compressed size. */
  readonly maxCompressionRatio: number;
  /** The ratio is only judged past this many expanded bytes: tiny archives have silly ratios. */
  readonly ratioGraceBytes: number;
}

/**
 * Defaults sized for release archives of infrastructure binaries (node_exporter
 * ~10 MB, Loki ~100 MB, with licence files and docs): generous for those, far
 * below what fills a disk.
 */
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxTotalBytes: 2 * 1024 ** 3,
  maxEntryBytes: 1024 ** 3,
  maxEntries: 10_000,
  maxDepth: 32,
  maxPathLength: 1024,
  maxCompressionRatio: 100,
  ratioGraceBytes: 8 * 1024 ** 2,
};

/** Archive formats the agent unpacks (`binary` is a bare executable, not an archive). */
export const ARCHIVE_TYPES = ['tar.gz', 'tgz', 'tar.xz', 'tar', 'zip', 'binary'] as const;
export type ArchiveType = (typeof ARCHIVE_TYPES)[number];

export function isArchiveType(text: string): text is ArchiveType {
  return (ARCHIVE_TYPES as readonly string[]).includes(text);
}
