import type { StateDatabase, SqlRow } from './state-database.repository.ts';
import { optionalTextColumn, textColumn } from './state-row.ts';

/** "`component` at `versionConstraint` needs `requiresComponent` at `requiresVersionConstraint`" (the seed's `compatible_with`). */
export interface CompatibilityRule {
  readonly component: string;
  readonly versionConstraint: string;
  readonly requiresComponent: string;
  readonly requiresVersionConstraint: string;
  readonly reason: string | null;
}

function toRule(row: SqlRow): CompatibilityRule {
  return {
    component: textColumn(row, 'component'),
    versionConstraint: textColumn(row, 'version_constraint'),
    requiresComponent: textColumn(row, 'requires_component'),
    requiresVersionConstraint: textColumn(row, 'requires_version_constraint'),
    reason: optionalTextColumn(row, 'reason'),
  };
}

/** `compatibility_matrix`: what each component needs of the others on this host. */
export class CompatibilityMatrixRepository {
  readonly #db: StateDatabase;

  constructor(db: StateDatabase) {
    this.#db = db;
  }

  /** Replaces the component's rules (one transaction), so the table mirrors the config. */
  replaceFor(component: string, rules: readonly Omit<CompatibilityRule, 'component'>[], now: string): void {
    this.#db.transaction(() => {
      this.#db.run('DELETE FROM compatibility_matrix WHERE component = :component', { component });
      for (const rule of rules) {
        this.#db.run(
          `INSERT INTO compatibility_matrix
             (component, version_constraint, requires_component, requires_version_constraint, reason, added_at)
           VALUES (:component, :version_constraint, :requires_component, :requires_version_constraint, :reason, :added_at)`,
          {
            component,
            version_constraint: rule.versionConstraint,
            requires_component: rule.requiresComponent,
            requires_version_constraint: rule.requiresVersionConstraint,
            reason: rule.reason,
            added_at: now,
          },
        );
      }
    });
  }

  forComponent(component: string): CompatibilityRule[] {
    return this.#db
      .all(
        'SELECT * FROM compatibility_matrix WHERE component = :component ORDER BY requires_component, id',
        { component },
      )
      .map(toRule);
  }
}
