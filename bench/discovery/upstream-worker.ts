/**
 * Runs the local upstream on a thread of its own, so the fake GitHub's CPU work (rendering
 * pages) does not queue behind the client's on one event loop: a real upstream runs elsewhere.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  startUpstream,
  type RecordedRequest,
  type UpstreamOptions,
} from '../../test/support/upstream/index.ts';

export type WorkerRequest =
  { readonly type: 'requests' } | { readonly type: 'clear' } | { readonly type: 'close' };
export type WorkerReply =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'requests'; readonly list: RecordedRequest[] }
  | { readonly type: 'done' };

const port = parentPort;
if (port === null) throw new Error('upstream-worker.ts runs as a worker thread');
const upstream = await startUpstream(workerData as UpstreamOptions);
port.postMessage({ type: 'ready', url: upstream.url } satisfies WorkerReply);
port.on('message', (message: WorkerRequest) => {
  switch (message.type) {
    case 'requests':
      port.postMessage({ type: 'requests', list: upstream.requests.list() } satisfies WorkerReply);
      return;
    case 'clear':
      upstream.requests.clear();
      port.postMessage({ type: 'done' } satisfies WorkerReply);
      return;
    case 'close':
      void upstream.close().then(() => {
        port.postMessage({ type: 'done' } satisfies WorkerReply);
        port.close();
      });
      return;
  }
});
