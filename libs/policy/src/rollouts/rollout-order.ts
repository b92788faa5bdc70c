import type { PolicyConfig } from '../config/policy-config.schema.ts';

/** The order in which rollouts of several components should run. */
export interface RolloutOrder {
  /** The components, each after those it depends on; ties keep the order given. */
  readonly order: readonly string[];
  /** For each component, the given components whose rollouts it waits for. */
  readonly waitsFor: Readonly<Record<string, readonly string[]>>;
  /** Components caught in a dependency cycle (their order among themselves is as given). */
  readonly cycles: readonly string[];
}

/** Components `name` depends on: `compatible_with` keys and `upgrade.sync_version_with`. */
function dependenciesOf(config: PolicyConfig, name: string): string[] {
  const component = Object.hasOwn(config.components, name) ? config.components[name] : undefined;
  if (component === undefined) return [];
  const found = Object.keys(component.compatible_with ?? {});
  const sync = component.upgrade?.sync_version_with;
  if (sync !== undefined && !found.includes(sync)) found.push(sync);
  return found.filter((dependency) => dependency !== name);
}

/**
 * The order of rollouts across `components` implied by `compatible_with` and
 * `upgrade.sync_version_with`: a component waits for those it depends on (promtail, compatible
 * with and synced to loki, after the Loki servers). Only dependencies among `components` count;
 * dependencies reached through a component not given still count (a → b → c orders c before a).
 * Pure; duplicates in `components` are ignored.
 */
export function rolloutOrder(config: PolicyConfig, components: readonly string[]): RolloutOrder {
  const given = [...new Set(components)];
  const wanted = new Set(given);
  // The given components each depends on, transitively through any component.
  const waitsFor: Record<string, string[]> = {};
  for (const name of given) {
    const reached = new Set<string>();
    const stack = dependenciesOf(config, name);
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (reached.has(next)) continue;
      reached.add(next);
      stack.push(...dependenciesOf(config, next));
    }
    waitsFor[name] = given.filter((other) => other !== name && reached.has(other) && wanted.has(other));
  }
  const order: string[] = [];
  const placed = new Set<string>();
  const cycles = new Set<string>();
  while (order.length < given.length) {
    const ready = given.find(
      (name) => !placed.has(name) && (waitsFor[name] ?? []).every((dependency) => placed.has(dependency)),
    );
    if (ready !== undefined) {
      order.push(ready);
      placed.add(ready);
      continue;
    }
    // Every remaining component waits for another remaining one: a cycle. Take the first given.
    const stuck = given.filter((name) => !placed.has(name));
    for (const name of stuck) {
      if (
        (waitsFor[name] ?? []).some(
          (dependency) => (waitsFor[dependency] ?? []).includes(name) || dependency === name,
        )
      )
        cycles.add(name);
    }
    const first = stuck[0] as string;
    cycles.add(first);
    order.push(first);
    placed.add(first);
  }
  // A component in a cycle does not wait for the members placed after it.
  const position = new Map(order.map((name, index) => [name, index]));
  for (const name of given) {
    waitsFor[name] = (waitsFor[name] ?? []).filter(
      (dependency) => (position.get(dependency) ?? 0) < (position.get(name) ?? 0),
    );
  }
  return { order, waitsFor, cycles: order.filter((name) => cycles.has(name)) };
}
