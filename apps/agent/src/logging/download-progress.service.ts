import type { DownloadProgress } from '../download/artifact-download.repository.ts';
import type { AgentEventSink } from '../install/upgrade-plan.types.ts';

/** Where progress goes: a terminal line redrawn in place, or nothing but log events. */
export interface ProgressTerminal {
  readonly columns: number;
  write(text: string): void;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** One line of a progress bar: `[#####.....]  42%  4.2 MB / 10.0 MB`. */
export function progressLine(progress: DownloadProgress, width: number): string {
  if (progress.total === null || progress.total <= 0) return `  ${megabytes(progress.bytes)}`;
  const ratio = Math.min(1, progress.bytes / progress.total);
  const barWidth = Math.max(10, Math.min(40, width - 32));
  const filled = Math.round(ratio * barWidth);
  return `  [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%  ${megabytes(progress.bytes)} / ${megabytes(progress.total)}`;
}

/**
 * A download progress callback: a bar redrawn on the terminal (at most every
 * 100 ms) when there is one; otherwise `download_progress` events in the log at
 * every quarter and at most every 2 s, so a log is not flooded by a big file.
 */
export function downloadProgressReporter(
  component: string,
  terminal: ProgressTerminal | null,
  events: AgentEventSink,
  now: () => number,
): { readonly onProgress: (progress: DownloadProgress) => void; readonly finish: () => void } {
  let lastAt = -Infinity;
  let lastQuarter = -1;
  let drawn = false;
  return {
    onProgress: (progress) => {
      const at = now();
      const done = progress.total !== null && progress.bytes >= progress.total;
      if (terminal !== null) {
        if (!done && at - lastAt < 100) return;
        lastAt = at;
        terminal.write(`\r${progressLine(progress, terminal.columns)}`);
        drawn = true;
        return;
      }
      const quarter = progress.total === null ? -1 : Math.floor((progress.bytes / progress.total) * 4);
      if (!done && quarter === lastQuarter && at - lastAt < 2000) return;
      lastAt = at;
      lastQuarter = quarter;
      events('download_progress', { component, bytes: progress.bytes, total: progress.total });
    },
    finish: () => {
      if (terminal !== null && drawn) terminal.write('\n');
    },
  };
}
