import { join } from 'node:path';
import express, { type RequestHandler } from 'express';

/** Paths the control plane answers itself; the console never shadows them. */
const SERVER_PATHS = /^\/(?:api|artifacts)(?:\/|$)|^\/(?:healthz|readyz|metrics)$/;

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** Shown instead of the console when its build is missing, with the command that makes it. */
export function consoleNotBuiltPage(dir: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Upkeep console not built</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.5}code{background:#eee;padding:0 .3em}</style>
</head><body>
<h1>The Upkeep console is not built</h1>
<p>The control plane serves the web console from <code>${escapeHtml(dir)}</code>, which has no <code>index.html</code>.</p>
<p>Build it with <code>pnpm --filter @upkeep/console build</code> (or point <code>UPKEEP_CONSOLE_DIR</code> at a built console) and reload.
The REST API is unaffected: <a href="/api/docs">/api/docs</a>.</p>
</body></html>
`;
}

/**
 * Serves the built console at `/`: its files as they are, and index.html for any
 * other page path (the console routes in the browser). API, artifact, health and
 * metrics paths pass through untouched, and so does any path with a file extension
 * that is not there (a 404, not a page).
 */
export function consoleSite(dir: string): RequestHandler {
  const files = express.static(dir, { index: false, fallthrough: true, redirect: false });
  const index = join(dir, 'index.html');
  return (request, response, next) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || SERVER_PATHS.test(request.path)) {
      next();
      return;
    }
    files(request, response, () => {
      const last = request.path.split('/').pop() ?? '';
      if (last.includes('.')) {
        next();
        return;
      }
      // index.html names the hashed assets of the current build: never cache it.
      response.setHeader('Cache-Control', 'no-cache');
      response.sendFile(index, (error?: Error) => {
        if (error === undefined || response.headersSent) return;
        response.status(503).type('html').send(consoleNotBuiltPage(dir));
      });
    });
  };
}
