import type { CheckReport } from '../../flow/check.service.ts';
import type { CleanupReport } from '../../flow/cleanup.service.ts';
import type { HistoryEntry, RollbackPointEntry } from '../../flow/history-view.ts';
import type { StatusReport } from '../../flow/status.service.ts';

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function when(iso: string | null): string {
  return iso === null ? '-' : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function clip(text: string | null, max = 90): string {
  if (text === null) return '';
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function formatHistory(entries: readonly HistoryEntry[]): string {
  if (entries.length === 0) return 'no upgrades recorded';
  return table([
    ['ID', 'WHEN', 'COMPONENT', 'FROM', 'TO', 'METHOD', 'RESULT', 'DOWNTIME', 'NOTE'],
    ...entries.map((e) => [
      String(e.id),
      when(e.upgraded_at),
      e.component,
      e.from_version ?? '-',
      e.to_version,
      e.method ?? '-',
      e.success ? 'ok' : 'FAILED',
      e.downtime_ms === null ? '-' : `${String(e.downtime_ms)} ms`,
      clip(e.error_message),
    ]),
  ]);
}

export function formatRollbackPoints(component: string, points: readonly RollbackPointEntry[]): string {
  if (points.length === 0) return `${component} has no rollback points`;
  return table([
    ['ID', 'VERSION', 'CREATED', 'EXPIRES', 'SIZE', 'INTACT', 'RESTORES'],
    ...points.map((p) => [
      String(p.id),
      p.version,
      when(p.created_at),
      when(p.expires_at),
      `${String(Math.ceil(p.size_bytes / 1024))} KiB`,
      p.intact ? 'yes' : `NO: ${clip(p.problem, 60)}`,
      p.restores.join(', '),
    ]),
  ]);
}

export function formatStatus(report: StatusReport): string {
  const host = report.host;
  const lines = [
    `host: ${host.root ?? '/'}   config: ${host.config}${host.environment === null ? '' : `   environment: ${host.environment}`}`,
    `state: ${host.state_db}${host.checksum_verification ? '' : '   CHECKSUM VERIFICATION OFF'}${host.lock_held ? '' : '   (another agent is working now)'}`,
    '',
    table([
      ['COMPONENT', 'VERSION', 'SERVICE', 'HEALTH', 'POINTS', 'LAST UPGRADE'],
      ...report.components.map((c) => [
        c.configured ? c.component : `${c.component} (not in config)`,
        c.installed_version ?? '(not installed)',
        c.service ?? '-',
        c.health === null ? '-' : c.health.ok ? 'ok' : 'FAILING',
        String(c.rollback_points),
        c.last_upgrade === null
          ? '-'
          : `${c.last_upgrade.from_version ?? '-'} -> ${c.last_upgrade.to_version} ${c.last_upgrade.success ? 'ok' : 'FAILED'} ${when(c.last_upgrade.upgraded_at)}`,
      ]),
    ]),
  ];
  for (const c of report.components) {
    for (const f of c.failed_versions)
      lines.push(`${c.component}: ${f.version} is not retried automatically (${clip(f.reason, 100)})`);
    if (c.open_operation !== null) {
      lines.push(
        `${c.component}: UNFINISHED ${c.open_operation.kind} ${c.open_operation.operation_id} at ${c.open_operation.step}: run upkeep-agent recover`,
      );
    }
    if (c.health !== null && !c.health.ok) lines.push(`${c.component}: health: ${c.health.detail}`);
    if (c.error !== null) lines.push(`${c.component}: ${c.error}`);
  }
  return lines.join('\n');
}

export function formatCheck(report: CheckReport): string {
  return table([
    ['COMPONENT', 'CURRENT', 'TARGET', 'VERDICT', 'RISK', 'WHY'],
    ...report.components.map((c) => [
      c.component,
      c.current ?? '(none)',
      c.target ?? '-',
      c.verdict === 'proceed'
        ? c.action === 'auto_approve'
          ? 'auto-approve'
          : 'upgrade ok'
        : c.verdict.replace('_', ' '),
      c.risk_level ?? '-',
      clip(c.reason, 100),
    ]),
  ]);
}

export function formatCleanup(report: CleanupReport): string {
  const lines = [
    `rollback points removed: ${String(report.rollback_points_removed.length)}${report.rollback_points_removed.map((p) => ` ${p.component}#${String(p.id)} (${p.version})`).join(',')}`,
    `cached artifacts removed: ${String(report.artifacts_removed.length)}${report.artifacts_removed.map((a) => ` ${a.component} ${a.version}`).join(',')}`,
    `extraction leftovers removed: ${String(report.work_dirs_removed)}`,
    `journal entries of finished operations removed: ${String(report.journal_entries_removed)}`,
    `cached upstream answers removed: ${String(report.cache_entries_removed)}`,
    `freed: ${(report.bytes_freed / 1024 / 1024).toFixed(1)} MB`,
  ];
  return lines.join('\n');
}
