import { describe, expect, it } from 'vitest';
import { renderMetrics } from './metrics-textfile.service.ts';

describe('renderMetrics', () => {
  it('renders the textfile format with escaped labels', () => {
    const text = renderMetrics(
      [
        {
          component: 'node_exporter',
          installedVersion: '1.7.0',
          upgradesSucceeded: 3,
          upgradesFailed: 1,
          rollbacks: { automatic: 1 },
          lastSuccessSeconds: 1_700_000_000,
          lastDowntimeSeconds: 0.42,
          rollbackPoints: 2,
        },
        {
          component: 'we"ird',
          installedVersion: null,
          upgradesSucceeded: 0,
          upgradesFailed: 0,
          rollbacks: {},
          lastSuccessSeconds: null,
          lastDowntimeSeconds: null,
          rollbackPoints: 0,
        },
      ],
      1_700_000_100,
    );
    expect(text).toContain(
      '# TYPE upkeep_component_info gauge\nupkeep_component_info{component="node_exporter",version="1.7.0"} 1\n',
    );
    expect(text).toContain('upkeep_upgrade_attempts_total{component="node_exporter",result="failure"} 1\n');
    expect(text).toContain(
      'upkeep_rollback_executions_total{component="node_exporter",reason="automatic"} 1\n',
    );
    expect(text).toContain('upkeep_upgrade_downtime_seconds{component="node_exporter"} 0.42\n');
    expect(text).toContain('upkeep_rollback_points_total{component="we\\"ird"} 0\n');
    expect(text).toContain('upkeep_installed_components_total 1\n');
    expect(text.endsWith('upkeep_metrics_written_timestamp_seconds 1700000100\n')).toBe(true);
    for (const line of text.trim().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{.*\})? [\d.e+-]+|\w+(\{.*\})? NaN)$/);
    }
  });
});
