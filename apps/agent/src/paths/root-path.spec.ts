import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { RootPathMapper } from './root-path.service.ts';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return isUpkeepError(error) ? error.code : 'other';
  }
  return 'none';
}

describe('RootPathMapper', () => {
  const mapper = new RootPathMapper('/tmp/host/', '/home/ops');

  it('places absolute and ~ paths under the root', () => {
    expect(mapper.map('/usr/local/bin/node_exporter', 'install.binary_path')).toBe(
      '/tmp/host/usr/local/bin/node_exporter',
    );
    expect(mapper.map('~/.cache/observability-stack/versions', 'global.cache.directory')).toBe(
      '/tmp/host/home/ops/.cache/observability-stack/versions',
    );
    expect(mapper.mapOptional(undefined, 'install.config_path')).toBeNull();
  });

  it('never lets .. climb out of the root', () => {
    expect(mapper.map('/usr/../../../etc/shadow', 'install.config_path')).toBe('/tmp/host/etc/shadow');
  });

  it('leaves paths alone without a root, and maps back', () => {
    const plain = new RootPathMapper(null, '/root');
    expect(plain.map('/var/lib/observability-stack/state.db', 'global.state_db.path')).toBe(
      '/var/lib/observability-stack/state.db',
    );
    expect(mapper.unmap('/tmp/host/etc/x')).toBe('/etc/x');
  });

  it('names the setting of a relative path, and refuses a relative root', () => {
    expect(codeOf(() => mapper.map('bin/tool', 'install.binary_path'))).toBe('CONFIG_INVALID');
    expect(codeOf(() => new RootPathMapper('host', '/root'))).toBe('USAGE');
  });
});
