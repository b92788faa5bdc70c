import type { OutputPort } from '@upkeep/cli-kit';

/** Progress of work over many components, shown on stderr only when it is a terminal. */
export interface ProgressReporter {
  started(name: string): void;
  finished(name: string): void;
  /** Clears the line; call before printing the result. */
  done(): void;
}

/** `[3/10] node_exporter, promtail…` redrawn in place; silent when `enabled` is false. */
export function progressReporter(
  out: OutputPort,
  options: { readonly enabled: boolean; readonly total: number; readonly verb: string },
): ProgressReporter {
  if (!options.enabled || options.total < 2) {
    return { started: () => undefined, finished: () => undefined, done: () => undefined };
  }
  const running = new Set<string>();
  let finished = 0;
  const draw = (): void => {
    const names = [...running].slice(0, 3).join(', ') + (running.size > 3 ? ', …' : '');
    out.stderr(`\r\u001b[K${options.verb} [${finished}/${options.total}] ${names}`);
  };
  return {
    started(name) {
      running.add(name);
      draw();
    },
    finished(name) {
      running.delete(name);
      finished += 1;
      draw();
    },
    done() {
      out.stderr('\r\u001b[K');
    },
  };
}
