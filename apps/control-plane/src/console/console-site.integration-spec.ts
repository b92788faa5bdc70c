import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleSite } from './console-site.ts';

// The console site in front of stand-in API routes, over real HTTP and real files.
describe('console site', () => {
  const dir = mkdtempSync(join(tmpdir(), 'upkeep-console-site-'));
  const built = join(dir, 'dist');
  const servers: { close(): void }[] = [];

  const serve = async (consoleDir: string): Promise<string> => {
    const app = express();
    app.use(consoleSite(consoleDir));
    app.get('/api/me', (_request, response) => {
      response.json({ name: 'api' });
    });
    app.get('/healthz', (_request, response) => {
      response.send('ok');
    });
    app.use((_request, response) => {
      response.status(404).json({ error: { code: 'NOT_FOUND' } });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  let site = '';
  let bare = '';

  beforeAll(async () => {
    mkdirSync(join(built, 'assets'), { recursive: true });
    writeFileSync(join(built, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(built, 'assets', 'app-1234.js'), 'console.log(1)');
    site = await serve(built);
    bare = await serve(join(dir, 'missing'));
  });

  afterAll(() => {
    for (const server of servers) server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the build, and index.html (uncached) for any page path', async () => {
    const asset = await fetch(`${site}/assets/app-1234.js`);
    expect(asset.status).toBe(200);
    expect(await asset.text()).toBe('console.log(1)');
    for (const path of ['/', '/fleet', '/rollouts/0b6f2a52-4d3c-4b1e-9e55-7d1d8f0c1a2b']) {
      const page = await fetch(`${site}${path}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(await page.text()).toContain('<div id="root"></div>');
    }
  });

  it('leaves API, health and unknown files to the server', async () => {
    expect(await (await fetch(`${site}/api/me`)).json()).toEqual({ name: 'api' });
    expect((await fetch(`${site}/api/unknown`)).status).toBe(404);
    expect(await (await fetch(`${site}/healthz`)).text()).toBe('ok');
    expect((await fetch(`${site}/assets/gone-9999.js`)).status).toBe(404);
    expect((await fetch(`${site}/fleet`, { method: 'POST' })).status).toBe(404);
  });

  it('says how to build the console when it is not built, and the API still answers', async () => {
    const page = await fetch(`${bare}/fleet`);
    expect(page.status).toBe(503);
    const text = await page.text();
    expect(text).toContain('The Upkeep console is not built');
    expect(text).toContain(join(dir, 'missing'));
    expect(text).toContain('pnpm --filter @upkeep/console build');
    expect(await (await fetch(`${bare}/api/me`)).json()).toEqual({ name: 'api' });
  });
});
