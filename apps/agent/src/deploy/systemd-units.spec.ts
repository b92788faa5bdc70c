import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GLOBAL_DEFAULTS } from '@upkeep/policy';
import { DEFAULT_BINARY_DIR, DEFAULT_UNIT_DIR } from '../runtime/component-runtime.service.ts';

const UNITS = join(dirname(fileURLToPath(import.meta.url)), '../../../../deploy/systemd');
const UNIT_FILES = ['upkeep-server.service', 'upkeep-agent.service'] as const;

/** A unit file's [Service] settings: every assignment of a key, in order (systemd allows repeats). */
function serviceSettings(name: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const raw of readFileSync(join(UNITS, name), 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = header[1] ?? '';
      continue;
    }
    const equals = line.indexOf('=');
    if (section !== 'Service' || equals < 0) continue;
    const key = line.slice(0, equals).trim();
    settings.set(key, [...(settings.get(key) ?? []), line.slice(equals + 1).trim()]);
  }
  return settings;
}

const single = (settings: Map<string, string[]>, key: string): string | undefined =>
  settings.get(key)?.at(-1);

/** Directories the service may write: ReadWritePaths (a leading "-" only means optional), State/CacheDirectory. */
function writablePaths(settings: Map<string, string[]>): string[] {
  const words = (key: string) => (settings.get(key) ?? []).flatMap((value) => value.split(/\s+/));
  return [
    ...words('ReadWritePaths').map((path) => path.replace(/^-/, '')),
    ...words('StateDirectory').map((dir) => `/var/lib/${dir}`),
    ...words('CacheDirectory').map((dir) => `/var/cache/${dir}`),
  ];
}

const covers = (writable: readonly string[], path: string): boolean =>
  writable.some((dir) => path === dir || path.startsWith(`${dir.replace(/\/$/, '')}/`));

describe('deploy/systemd units', () => {
  it('pass systemd-analyze verify', () => {
    const result = spawnSync('systemd-analyze', ['verify', ...UNIT_FILES.map((name) => join(UNITS, name))], {
      encoding: 'utf8',
    });
    if (result.error !== undefined) {
      throw new Error(
        `systemd-analyze could not start (${result.error.message}); run .ci/system-packages.sh`,
      );
    }
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });

  it.each(UNIT_FILES)('%s is hardened', (name) => {
    const settings = serviceSettings(name);
    expect(single(settings, 'ProtectSystem')).toBe('strict');
    expect(single(settings, 'NoNewPrivileges')).toBe('yes');
    expect(single(settings, 'PrivateTmp')).toBe('yes');
    expect(single(settings, 'ProtectHome')).toBe('yes');
    expect(single(settings, 'ProtectKernelModules')).toBe('yes');
    expect(single(settings, 'ProtectKernelTunables')).toBe('yes');
    expect(single(settings, 'RestrictSUIDSGID')).toBe('yes');
    expect(settings.get('CapabilityBoundingSet')).toBeDefined();
    expect(settings.get('SystemCallFilter')).toContain('@system-service');
  });

  it('the control plane keeps no capability and writes only its artifact store', () => {
    const settings = serviceSettings('upkeep-server.service');
    expect(single(settings, 'CapabilityBoundingSet')).toBe('');
    expect(single(settings, 'DynamicUser')).toBe('yes');
    expect(writablePaths(settings)).toEqual(['/var/lib/upkeep-server']);
    expect(settings.get('Environment')).toContain('UPKEEP_ARTIFACT_DIR=%S/upkeep-server/artifacts');
  });

  it('the agent may write the defaults it installs to and keeps its state in, and nothing broader', () => {
    const settings = serviceSettings('upkeep-agent.service');
    const writable = writablePaths(settings);
    const needed = [
      dirname(GLOBAL_DEFAULTS.state_db.path),
      join(dirname(GLOBAL_DEFAULTS.state_db.path), 'rollback'),
      GLOBAL_DEFAULTS.cache.directory,
      `${DEFAULT_BINARY_DIR}/node_exporter`,
      `${DEFAULT_UNIT_DIR}/node_exporter.service`,
    ];
    expect(needed.filter((path) => !covers(writable, path))).toEqual([]);
    expect(writable.filter((dir) => ['/', '/usr', '/etc', '/var', '/usr/local'].includes(dir))).toEqual([]);
    // Root (to replace binaries owned by root and drive systemd), but only the file capabilities it uses.
    expect(single(settings, 'User')).toBeUndefined();
    expect(single(settings, 'CapabilityBoundingSet')?.split(/\s+/).sort()).toEqual(
      ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_KILL'].sort(),
    );
    // @privileged holds chown(2): filtering it out would break setting the owner of a new binary.
    expect((settings.get('SystemCallFilter') ?? []).join(' ')).not.toContain('@privileged');
  });

  it('the coverage check itself refuses a path outside every writable directory', () => {
    expect(covers(['/var/lib/upkeep', '/usr/local/bin'], '/usr/local/binary')).toBe(false);
    expect(covers(['/var/lib/upkeep'], '/var/lib/upkeep/state.db')).toBe(true);
  });
});
