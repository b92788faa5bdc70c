/**
 * Watches a service from outside, on a thread of its own so the agent's work
 * never delays a probe: GET <url> on a fresh connection every `intervalMs`,
 * and the outages seen, each from the last answer before it to the first
 * answer after it. Messages: 'start' begins a watch, 'stop' ends it and
 * replies with an {@link ObservedWatch}.
 */
import { request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface ObserverOptions {
  readonly url: string;
  readonly intervalMs: number;
}

export interface ObservedWatch {
  /** Each outage in ms, last answer before it to first answer after it. */
  readonly outagesMs: number[];
  readonly probes: number;
  readonly failures: number;
}

export type ObserverMessage = 'start' | 'stop';

const port = parentPort;
if (port === null) throw new Error('availability-observer-worker.ts runs as a worker thread');
const options = workerData as ObserverOptions;

function probe(): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(options.url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => {
        resolve(res.statusCode === 200);
      });
      res.on('error', () => {
        resolve(false);
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => {
      resolve(false);
    });
    req.end();
  });
}

let watching = false;
let done: Promise<ObservedWatch> | null = null;

async function watch(): Promise<ObservedWatch> {
  const outagesMs: number[] = [];
  let probes = 0;
  let failures = 0;
  let lastAnswer: number | null = null;
  let down = false;
  while (watching) {
    const started = performance.now();
    const ok = await probe();
    const at = performance.now();
    probes += 1;
    if (ok) {
      if (down && lastAnswer !== null) outagesMs.push(at - lastAnswer);
      down = false;
      lastAnswer = at;
    } else {
      failures += 1;
      down = true;
    }
    const wait = options.intervalMs - (performance.now() - started);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return { outagesMs, probes, failures };
}

port.on('message', (message: ObserverMessage) => {
  if (message === 'start') {
    watching = true;
    done = watch();
    return;
  }
  watching = false;
  void done?.then((result) => {
    port.postMessage(result);
  });
});
port.postMessage('ready');
