/** What the agent knows about one component, for its textfile metrics. */
export interface ComponentMetrics {
  readonly component: string;
  readonly installedVersion: string | null;
  readonly upgradesSucceeded: number;
  readonly upgradesFailed: number;
  /** Rollbacks by reason: `automatic` (after a failed upgrade), `manual`, `recovery` (after a crash). */
  readonly rollbacks: Readonly<Record<string, number>>;
  /** Unix seconds of the last successful upgrade or install. */
  readonly lastSuccessSeconds: number | null;
  /** Downtime of the last successful upgrade, in seconds. */
  readonly lastDowntimeSeconds: number | null;
  readonly rollbackPoints: number;
}

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function number(value: number): string {
  return Number.isFinite(value) ? String(value) : 'NaN';
}

/**
 * Renders node_exporter's textfile format (Prometheus text exposition 0.0.4):
 * the seed's metric names under an `upkeep_` prefix. `now` stamps the file.
 */
export function renderMetrics(components: readonly ComponentMetrics[], nowSeconds: number): string {
  const families: { name: string; help: string; type: 'gauge' | 'counter'; samples: string[] }[] = [
    {
      name: 'upkeep_component_info',
      help: 'Installed version of each component (value 1).',
      type: 'gauge',
      samples: [],
    },
    {
      name: 'upkeep_upgrade_attempts_total',
      help: 'Upgrades and installs attempted, by result.',
      type: 'counter',
      samples: [],
    },
    {
      name: 'upkeep_rollback_executions_total',
      help: 'Rollbacks executed, by reason.',
      type: 'counter',
      samples: [],
    },
    {
      name: 'upkeep_last_success_timestamp_seconds',
      help: 'When the last upgrade or install succeeded.',
      type: 'gauge',
      samples: [],
    },
    {
      name: 'upkeep_upgrade_downtime_seconds',
      help: 'Service downtime of the last successful upgrade.',
      type: 'gauge',
      samples: [],
    },
    { name: 'upkeep_rollback_points_total', help: 'Rollback points kept.', type: 'gauge', samples: [] },
    {
      name: 'upkeep_installed_components_total',
      help: 'Components with an installed version.',
      type: 'gauge',
      samples: [],
    },
    {
      name: 'upkeep_metrics_written_timestamp_seconds',
      help: 'When the agent wrote this file.',
      type: 'gauge',
      samples: [],
    },
  ];
  const family = (name: string) => {
    const found = families.find((f) => f.name === name);
    if (found === undefined) throw new Error(`unknown metric family ${name}`);
    return found.samples;
  };
  const sorted = [...components].sort((a, b) => a.component.localeCompare(b.component));
  for (const c of sorted) {
    const comp = `component="${label(c.component)}"`;
    if (c.installedVersion !== null)
      family('upkeep_component_info').push(`{${comp},version="${label(c.installedVersion)}"} 1`);
    family('upkeep_upgrade_attempts_total').push(`{${comp},result="success"} ${number(c.upgradesSucceeded)}`);
    family('upkeep_upgrade_attempts_total').push(`{${comp},result="failure"} ${number(c.upgradesFailed)}`);
    for (const reason of Object.keys(c.rollbacks).sort()) {
      family('upkeep_rollback_executions_total').push(
        `{${comp},reason="${label(reason)}"} ${number(c.rollbacks[reason] ?? 0)}`,
      );
    }
    if (c.lastSuccessSeconds !== null)
      family('upkeep_last_success_timestamp_seconds').push(`{${comp}} ${number(c.lastSuccessSeconds)}`);
    if (c.lastDowntimeSeconds !== null)
      family('upkeep_upgrade_downtime_seconds').push(`{${comp}} ${number(c.lastDowntimeSeconds)}`);
    family('upkeep_rollback_points_total').push(`{${comp}} ${number(c.rollbackPoints)}`);
  }
  family('upkeep_installed_components_total').push(
    ` ${String(sorted.filter((c) => c.installedVersion !== null).length)}`,
  );
  family('upkeep_metrics_written_timestamp_seconds').push(` ${number(nowSeconds)}`);
  const lines: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const sample of f.samples) lines.push(`${f.name}${sample}`);
  }
  return `${lines.join('\n')}\n`;
}
