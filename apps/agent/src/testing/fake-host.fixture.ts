// Builds "binaries" of the fake exporter for integration tests: each version is
// a small shell script that runs the fixture with its version baked in, so
// versions differ in content like real releases do.
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ServiceManagerConfig } from '../service/service-manager.port.ts';

export const FAKE_EXPORTER = fileURLToPath(new URL('./fake-exporter.fixture.ts', import.meta.url));
export const SERVICE_CTL = fileURLToPath(new URL('./service-ctl.fixture.ts', import.meta.url));

/** Writes an executable for `version` at `path`; extra flags (`--unhealthy`, `--crash`) are baked in. */
export function writeFakeBinary(path: string, version: string, ...flags: string[]): void {
  writeFileSync(path, fakeBinaryScript(version, ...flags));
  chmodSync(path, 0o755);
}

/** The content of a fake exporter "binary" for `version`. */
export function fakeBinaryScript(version: string, ...flags: string[]): string {
  const extra = flags.map((flag) => ` ${flag}`).join('');
  return `#!/bin/sh\nexec "${process.execPath}" "${FAKE_EXPORTER}" --version-text ${version}${extra} "$@"\n`;
}

/** A `command` service manager that runs `binary` through the service-ctl fixture. */
export function commandManagerFor(
  name: string,
  binary: string,
  pidFile: string,
  port: number,
): ServiceManagerConfig {
  const ctl = (...args: string[]) => [process.execPath, SERVICE_CTL, ...args];
  return {
    kind: 'command',
    name,
    start: ctl('start', binary, pidFile, String(port)),
    stop: ctl('stop', pidFile),
    status: ctl('status', pidFile),
    timeoutMs: 20_000,
  };
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}
