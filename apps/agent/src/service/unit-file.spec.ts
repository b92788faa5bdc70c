import { describe, expect, it } from 'vitest';
import { execStartOf, renameFlagsInExecStart } from './unit-file.service.ts';

describe('execStartOf', () => {
  it('reads a plain ExecStart', () => {
    expect(
      execStartOf(
        '[Unit]\nDescription=x\n[Service]\nExecStart=/usr/local/bin/node_exporter --web.listen-address=:9100\n',
      ),
    ).toEqual(['/usr/local/bin/node_exporter', '--web.listen-address=:9100']);
  });

  it('joins continuation lines, skips comments inside them, and honours quotes', () => {
    const unit = [
      '[Service]',
      'Type=simple',
      '# the exporter',
      'ExecStart=/usr/local/bin/node_exporter \\',
      '    --collector.diskstats \\',
      '# a comment inside the continuation',
      '    --collector.textfile.directory="/var/lib/node exporter" \\',
      "    '--web.config.file=/etc/a b.yml'",
      'Restart=always',
    ].join('\n');
    expect(execStartOf(unit)).toEqual([
      '/usr/local/bin/node_exporter',
      '--collector.diskstats',
      '--collector.textfile.directory=/var/lib/node exporter',
      '--web.config.file=/etc/a b.yml',
    ]);
  });

  it('takes the last ExecStart after a reset, strips prefixes, and drops the @ argv[0]', () => {
    const unit =
      '[Service]\nExecStart=/old --a\nExecStart=\nExecStart=-@/usr/bin/promtail promtail -config.file=/etc/p.yaml\n';
    expect(execStartOf(unit)).toEqual(['/usr/bin/promtail', '-config.file=/etc/p.yaml']);
  });

  it('ignores ExecStart outside [Service] and returns null without one', () => {
    expect(execStartOf('[Unit]\nExecStart=/nope\n[Install]\nWantedBy=multi-user.target\n')).toBeNull();
  });
});

describe('renameFlagsInExecStart', () => {
  const unit = [
    '[Unit]',
    'Description=--old.flag stays in the description',
    '',
    '[Service]',
    'ExecStart=/usr/local/bin/demo --web.listen-address=:9100 \\',
    '  --old.flag=^lo$ --old.flag.suffix=x',
    'Restart=always',
    '',
  ].join('\n');

  it('renames the flag in ExecStart only, value and similar flags kept', () => {
    const result = renameFlagsInExecStart(unit, [{ flag: '--old.flag', renamedTo: '--new.flag' }]);
    expect(execStartOf(result)).toEqual([
      '/usr/local/bin/demo',
      '--web.listen-address=:9100',
      '--new.flag=^lo$',
      '--old.flag.suffix=x',
    ]);
    expect(result).toContain('Description=--old.flag stays in the description');
    expect(result.split('\n')).toHaveLength(unit.split('\n').length);
  });

  it('refuses when the flag is not in ExecStart', () => {
    expect(() => renameFlagsInExecStart(unit, [{ flag: '--absent', renamedTo: '--present' }])).toThrow(
      /cannot rename --absent to --present/,
    );
  });
});
