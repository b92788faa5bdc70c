import { describe, expect, it } from 'vitest';
import { expandHostPlaceholders } from './host-pattern.ts';

describe('expandHostPlaceholders', () => {
  it('expands $hosts and $instances into anchored-safe alternatives', () => {
    expect(expandHostPlaceholders('min(up{instance=~"$instances"})', ['web-1.example', 'web-2'])).toBe(
      'min(up{instance=~"(web-1[.]example|web-2)(:[0-9]+)?"})',
    );
    expect(expandHostPlaceholders('up{host=~"$hosts"} or up{node=~`$hosts`}', ['a', 'a'])).toBe(
      'up{host=~"(a)"} or up{node=~`(a)`}',
    );
  });

  it('matches exactly the given hosts once Prometheus anchors the regex', () => {
    const pattern = expandHostPlaceholders('$instances', ['db.prod', 'web']);
    const anchored = new RegExp(`^${pattern}$`);
    expect(anchored.test('db.prod:9100')).toBe(true);
    expect(anchored.test('web')).toBe(true);
    expect(anchored.test('dbxprod:9100')).toBe(false);
    expect(anchored.test('web2:9100')).toBe(false);
  });

  it('leaves a query without placeholders alone', () => {
    expect(expandHostPlaceholders('sum(up)', ['a'])).toBe('sum(up)');
  });
});
