/**
 * A static file server on loopback for the throughput bench, run as a child
 * process of its own (a real upstream does not share the client's event loop):
 * GET /<name> serves <dir>/<name> with Content-Length, a strong ETag and
 * single-range `Range: bytes=a-[b]` support (206), as release CDNs do.
 * Usage (forked with IPC): artifact-server-process.ts <dir>; it sends
 * `{ port }` once listening.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { basename, join } from 'node:path';

const dir = process.argv[2];
if (dir === undefined || process.send === undefined) {
  throw new Error('usage: fork(artifact-server-process.ts, [dir]) with an IPC channel');
}
const send = process.send.bind(process);

const server = createServer((req, res) => {
  const name = basename(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
  let size: number;
  let mtime: number;
  try {
    const info = statSync(join(dir, name));
    size = info.size;
    mtime = info.mtimeMs;
  } catch {
    res.writeHead(404).end('not found\n');
    return;
  }
  const etag = `"${size.toString(16)}-${Math.floor(mtime).toString(16)}"`;
  const headers: Record<string, string | number> = {
    'accept-ranges': 'bytes',
    'content-type': 'application/octet-stream',
    etag,
  };
  let start = 0;
  let end = size - 1;
  let status = 200;
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const ifRange = req.headers['if-range'];
  if (range !== null && (ifRange === undefined || ifRange === etag)) {
    start = Number(range[1]);
    end = range[2] === '' || range[2] === undefined ? size - 1 : Math.min(Number(range[2]), size - 1);
    if (start > end) {
      res.writeHead(416, { 'content-range': `bytes */${String(size)}` }).end();
      return;
    }
    status = 206;
    headers['content-range'] = `bytes ${String(start)}-${String(end)}/${String(size)}`;
  }
  headers['content-length'] = end - start + 1;
  res.writeHead(status, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const file = createReadStream(join(dir, name), { start, end, highWaterMark: 256 * 1024 });
  file.pipe(res);
  res.on('close', () => {
    file.destroy();
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  send({ port: typeof address === 'object' && address !== null ? address.port : 0 });
});
// The bench ends (or dies): so does the server, whatever connections are open.
process.on('disconnect', () => {
  process.exit(0);
});
