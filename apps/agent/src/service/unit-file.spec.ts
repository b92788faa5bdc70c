import { describe, expect, it } from 'vitest';
import { execStartOf } from './unit-file.service.ts';

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
