export {
  ARCHIVE_TYPES,
  DEFAULT_ARCHIVE_LIMITS,
  isArchiveType,
  type ArchiveLimits,
  type ArchiveType,
} from './archive-limits.ts';
export { ExtractionBudget, checkEntryKind, checkEntryPath, type EntryKind } from './archive-entry.service.ts';
export {
  extractArtifact,
  listContained,
  locateBinary,
  type ExtractRequest,
  type ExtractedTree,
} from './archive-extract.repository.ts';
export { extractTar, type TarCompression } from './tar-extract.repository.ts';
export { extractZip, zipEntryKind } from './zip-extract.repository.ts';
