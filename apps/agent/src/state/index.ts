export {
  StateDatabase,
  STATE_SCHEMA_VERSION,
  type SqlParams,
  type SqlRow,
} from './state-database.repository.ts';
export { STATE_MIGRATIONS, type StateMigration } from './state-migrations.ts';
export { InstalledComponentsRepository } from './installed-components.repository.ts';
export { UpgradeHistoryRepository } from './upgrade-history.repository.ts';
export { RollbackPointsRepository } from './rollback-points.repository.ts';
export { FailedVersionsRepository } from './failed-versions.repository.ts';
export { VersionCacheRepository } from './version-cache.repository.ts';
export { JournalRepository } from './journal.repository.ts';
export * from './journal.types.ts';
export type * from './state.types.ts';
