import { describe, expect, it } from 'vitest';
import type { OutputPort } from '@upkeep/cli-kit';
import { progressReporter } from './progress-reporter.ts';

function buffer(): OutputPort & { err: string } {
  const out = {
    err: '',
    stdout: () => undefined,
    stderr: (text: string) => {
      out.err += text;
    },
  };
  return out;
}

describe('progressReporter', () => {
  it('redraws one line on a terminal and clears it when done', () => {
    const out = buffer();
    const progress = progressReporter(out, { enabled: true, total: 2, verb: 'checking' });
    progress.started('a');
    progress.finished('a');
    progress.done();
    expect(out.err).toBe('\r\u001b[Kchecking [0/2] a\r\u001b[Kchecking [1/2] \r\u001b[K');
  });

  it('says nothing when stderr is not a terminal', () => {
    const out = buffer();
    const progress = progressReporter(out, { enabled: false, total: 5, verb: 'checking' });
    progress.started('a');
    progress.done();
    expect(out.err).toBe('');
  });
});
