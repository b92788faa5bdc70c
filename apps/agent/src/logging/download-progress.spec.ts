import { describe, expect, it } from 'vitest';
import { downloadProgressReporter, progressLine } from './download-progress.service.ts';

describe('progressLine', () => {
  it('draws a bar with the percentage and sizes, or only the size when the total is unknown', () => {
    expect(progressLine({ bytes: 5 * 1024 * 1024, total: 10 * 1024 * 1024 }, 52)).toBe(
      '  [##########..........]  50%  5.0 MB / 10.0 MB',
    );
    expect(progressLine({ bytes: 1024 * 1024, total: null }, 80)).toBe('  1.0 MB');
  });
});

describe('downloadProgressReporter', () => {
  it('redraws a terminal at most every 100 ms, always at the end, and ends the line', () => {
    let t = 0;
    const written: string[] = [];
    const events: string[] = [];
    const reporter = downloadProgressReporter(
      'x',
      { columns: 60, write: (text) => written.push(text) },
      (event) => events.push(event),
      () => t,
    );
    reporter.onProgress({ bytes: 1, total: 100 });
    t = 50;
    reporter.onProgress({ bytes: 2, total: 100 });
    t = 150;
    reporter.onProgress({ bytes: 3, total: 100 });
    t = 160;
    reporter.onProgress({ bytes: 100, total: 100 });
    reporter.finish();
    expect(written).toHaveLength(4);
    expect(written.at(-1)).toBe('\n');
    expect(events).toEqual([]);
  });

  it('logs quarters (or every 2 s) when there is no terminal', () => {
    let t = 0;
    const logged: unknown[] = [];
    const reporter = downloadProgressReporter(
      'x',
      null,
      (_event, fields) => logged.push(fields['bytes']),
      () => t,
    );
    for (let bytes = 0; bytes <= 100; bytes += 5) {
      t += 10;
      reporter.onProgress({ bytes, total: 100 });
    }
    expect(logged).toEqual([0, 25, 50, 75, 100]);
  });
});
