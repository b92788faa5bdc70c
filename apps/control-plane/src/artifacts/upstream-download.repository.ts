import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { Injectable } from '@nestjs/common';
import { UpkeepError, redactUrl } from '@upkeep/errors';

/** Opens a release asset upstream (http(s), or file:// for local registries) as a byte stream. */
@Injectable()
export class UpstreamDownloadRepository {
  async open(url: string, timeoutMs = 300_000): Promise<Readable> {
    const parsed = new URL(url);
    if (parsed.protocol === 'file:') return createReadStream(fileURLToPath(parsed));
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new UpkeepError('DOWNLOAD_FAILED', `${redactUrl(url)} is not an http(s) or file URL`);
    }
    let response: Response;
    try {
      response = await fetch(parsed, { redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
    } catch (cause) {
      throw new UpkeepError(
        'DOWNLOAD_FAILED',
        `cannot download ${redactUrl(url)}: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
    if (!response.ok || response.body === null) {
      throw new UpkeepError('DOWNLOAD_FAILED', `${redactUrl(url)} answered HTTP ${response.status}`, {
        details: { status: response.status },
      });
    }
    return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  }

  /** The whole body of a small file (a detached signature); more than `maxBytes` is refused. */
  async readAll(url: string, maxBytes: number, timeoutMs = 60_000): Promise<Buffer> {
    const body = await this.open(url, timeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        body.destroy();
        throw new UpkeepError('INPUT_TOO_LARGE', `${redactUrl(url)} is larger than ${maxBytes} bytes`, {
          details: { maxBytes },
        });
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }
}
