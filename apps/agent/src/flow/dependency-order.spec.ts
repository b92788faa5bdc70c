import { describe, expect, it } from 'vitest';
import { dependencyOrder, dependentsOf, type ComponentDependencies } from './dependency-order.service.ts';

const c = (name: string, compatibleWith: string[] = [], syncVersionWith?: string): ComponentDependencies => ({
  name,
  compatibleWith,
  syncVersionWith,
});

describe('dependencyOrder', () => {
  it('puts servers before their clients and keeps the given order otherwise', () => {
    expect(
      dependencyOrder([
        c('promtail', ['loki'], 'loki'),
        c('node_exporter', ['prometheus']),
        c('loki'),
        c('prometheus'),
      ]),
    ).toEqual(['loki', 'promtail', 'prometheus', 'node_exporter']);
  });

  it('ignores dependencies on components that are not listed, and on itself', () => {
    expect(dependencyOrder([c('b', ['a', 'b']), c('a', ['elsewhere'])])).toEqual(['a', 'b']);
  });

  it('refuses a cycle, naming its members', () => {
    expect(() => dependencyOrder([c('x'), c('a', ['b']), c('b', [], 'a')])).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('a, b') as unknown,
      }),
    );
  });
});

describe('dependentsOf', () => {
  it('finds direct and indirect dependents', () => {
    const graph = [c('loki'), c('promtail', ['loki']), c('agent', [], 'promtail'), c('other')];
    expect([...dependentsOf('loki', graph)].sort()).toEqual(['agent', 'promtail']);
    expect(dependentsOf('other', graph).size).toBe(0);
  });
});
