// A loopback HTTP server for tests that speaks real HTTP: Range requests,
// ETags, and connections cut mid-body on demand.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedArtifact {
  body: Buffer;
  etag?: string;
  /** For request number i (0-based), send this many body bytes and then cut the connection. */
  cutAfter?: (number | undefined)[];
  /** For request number i, send this many body bytes and then nothing more, keeping the connection open. */
  stallAfter?: (number | undefined)[];
  /** Answer every Range request with 200 and the whole body. */
  ignoreRange?: boolean;
  /** Answer Range requests with 206 but from byte 0. */
  wrongRangeStart?: boolean;
  /** Send no Content-Length (chunked). */
  chunked?: boolean;
  /** Answer with a 302 to this URL. */
  redirectTo?: string;
  /** Answer the first N requests with this status. */
  failFirst?: { count: number; status: number };
}

export interface ArtifactServer {
  readonly url: (path: string) => string;
  readonly requests: {
    path: string;
    range: string | undefined;
    ifRange: string | undefined;
    authorization: string | undefined;
  }[];
  readonly serve: (path: string, artifact: ServedArtifact) => void;
  readonly close: () => Promise<void>;
}

export async function startArtifactServer(): Promise<ArtifactServer> {
  const artifacts = new Map<string, ServedArtifact>();
  const counts = new Map<string, number>();
  const requests: ArtifactServer['requests'] = [];
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url ?? '/';
    const range = req.headers.range;
    const ifRange = req.headers['if-range'];
    requests.push({
      path,
      range,
      ifRange: typeof ifRange === 'string' ? ifRange : undefined,
      authorization: req.headers.authorization,
    });
    const artifact = artifacts.get(path);
    const index = counts.get(path) ?? 0;
    counts.set(path, index + 1);
    if (artifact === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (artifact.redirectTo !== undefined) {
      res.writeHead(302, { location: artifact.redirectTo }).end();
      return;
    }
    if (artifact.failFirst !== undefined && index < artifact.failFirst.count) {
      res.writeHead(artifact.failFirst.status).end('try later');
      return;
    }
    const size = artifact.body.length;
    let start = 0;
    let status = 200;
    const headers: Record<string, string | number> = {
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
    };
    if (artifact.etag !== undefined) headers.etag = artifact.etag;
    const match = typeof range === 'string' ? /^bytes=(\d+)-$/.exec(range) : null;
    const validatorOk = ifRange === undefined || ifRange === artifact.etag;
    if (match !== null && !artifact.ignoreRange && validatorOk) {
      start = Number(match[1]);
      if (start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${String(size)}` }).end();
        return;
      }
      status = 206;
      const shownStart = artifact.wrongRangeStart ? 0 : start;
      if (artifact.wrongRangeStart) start = 0;
      headers['content-range'] = `bytes ${String(shownStart)}-${String(size - 1)}/${String(size)}`;
    }
    const slice = artifact.body.subarray(start);
    if (!artifact.chunked) headers['content-length'] = slice.length;
    res.writeHead(status, headers);
    const stall = artifact.stallAfter?.[index];
    if (stall !== undefined) {
      res.write(slice.subarray(0, stall));
      return;
    }
    const cut = artifact.cutAfter?.[index];
    if (cut !== undefined) {
      res.write(slice.subarray(0, cut), () => {
        // Give the bytes a moment to leave, then drop the connection mid-body.
        setTimeout(() => res.socket?.destroy(), 20);
      });
      return;
    }
    res.end(slice);
  };
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${String(port)}${path}`,
    requests,
    serve: (path, artifact) => artifacts.set(path, artifact),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
