import type { StateDatabase, SqlRow } from './state-database.repository.ts';
import { jsonColumn, optionalTextColumn, textColumn } from './state-row.ts';
import type { InstallMethod, InstalledComponent } from './state.types.ts';

function toInstalled(row: SqlRow): InstalledComponent {
  return {
    component: textColumn(row, 'component'),
    version: textColumn(row, 'version'),
    installedAt: textColumn(row, 'installed_at'),
    installMethod: optionalTextColumn(row, 'install_method') as InstallMethod | null,
    binaryPath: optionalTextColumn(row, 'binary_path'),
    configPath: optionalTextColumn(row, 'config_path'),
    serviceName: optionalTextColumn(row, 'service_name'),
    checksum: optionalTextColumn(row, 'checksum'),
    metadata: jsonColumn(row, 'metadata'),
  };
}

/** `installed_components`: what each component runs now, one row per component. */
export class InstalledComponentsRepository {
  readonly #db: StateDatabase;

  constructor(db: StateDatabase) {
    this.#db = db;
  }

  find(component: string): InstalledComponent | null {
    const row = this.#db.get('SELECT * FROM installed_components WHERE component = :component', {
      component,
    });
    return row === undefined ? null : toInstalled(row);
  }

  list(): InstalledComponent[] {
    return this.#db.all('SELECT * FROM installed_components ORDER BY component').map(toInstalled);
  }

  /** Records `installed` as the component's current version (the seed's record_installation). */
  save(installed: InstalledComponent): void {
    this.#db.transaction(() => {
      this.#db.run(
        `INSERT INTO installed_components
           (component, version, installed_at, install_method, binary_path, config_path, service_name, checksum, metadata)
         VALUES (:component, :version, :installed_at, :install_method, :binary_path, :config_path, :service_name, :checksum, :metadata)
         ON CONFLICT(component) DO UPDATE SET
           version = excluded.version, installed_at = excluded.installed_at,
           install_method = excluded.install_method, binary_path = excluded.binary_path,
           config_path = excluded.config_path, service_name = excluded.service_name,
           checksum = excluded.checksum, metadata = excluded.metadata`,
        {
          component: installed.component,
          version: installed.version,
          installed_at: installed.installedAt,
          install_method: installed.installMethod,
          binary_path: installed.binaryPath,
          config_path: installed.configPath,
          service_name: installed.serviceName,
          checksum: installed.checksum,
          metadata: JSON.stringify(installed.metadata),
        },
      );
    });
  }

  remove(component: string): void {
    this.#db.transaction(() => {
      this.#db.run('DELETE FROM installed_components WHERE component = :component', { component });
    });
  }
}
