// Builds binaries of demo_exporter (test/support/exporter) for integration
// tests and a `command` service manager that runs them through service-ctl,
// the same pieces the end-to-end suites and the demo use.
import { chmodSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  exporterProgram,
  type ExporterBehaviour,
} from '../../../../test/support/exporter/exporter-program.ts';
import type { ServiceManagerConfig } from '../service/service-manager.port.ts';

export { freePort } from '../../../../test/support/free-port.ts';
export { servedVersion } from '../../../../test/support/exporter/exporter-program.ts';
export type { ExporterBehaviour };

export const SERVICE_CTL = fileURLToPath(
  new URL('../../../../test/support/exporter/service-ctl.ts', import.meta.url),
);

/** Writes an executable demo_exporter of `version` at `path`. */
export function writeFakeBinary(
  path: string,
  version: string,
  behaviour: ExporterBehaviour = 'healthy',
): void {
  writeFileSync(path, fakeBinaryScript(version, behaviour));
  chmodSync(path, 0o755);
}

/** The content of a demo_exporter "binary" of `version`, run by this Node. */
export function fakeBinaryScript(version: string, behaviour: ExporterBehaviour = 'healthy'): string {
  return exporterProgram(version, behaviour, { interpreter: process.execPath });
}

/** A `command` service manager that runs `binary` on `port` through service-ctl. */
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
    start: ctl('start', pidFile, binary, `--web.listen-address=127.0.0.1:${String(port)}`),
    stop: ctl('stop', pidFile),
    status: ctl('status', pidFile),
    timeoutMs: 20_000,
  };
}
