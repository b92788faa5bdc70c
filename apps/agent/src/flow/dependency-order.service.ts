import { UpkeepError } from '@upkeep/errors';

/** What ordering needs to know of a component: the components it must come after. */
export interface ComponentDependencies {
  readonly name: string;
  /** Keys of `compatible_with`. */
  readonly compatibleWith: readonly string[];
  /** `upgrade.sync_version_with`. */
  readonly syncVersionWith?: string | undefined;
}

/**
 * Orders components so each comes after what it depends on (`compatible_with`
 * keys and `sync_version_with` that name other listed components): a server
 * before its clients, Loki before promtail. Ties keep the given order.
 * Dependencies on components not in the list are ignored.
 * @throws UpkeepError CONFIG_INVALID naming the components of a cycle.
 */
export function dependencyOrder(components: readonly ComponentDependencies[]): string[] {
  const names = new Set(components.map((c) => c.name));
  const after = new Map<string, Set<string>>();
  for (const c of components) {
    const deps = new Set(
      [...c.compatibleWith, ...(c.syncVersionWith === undefined ? [] : [c.syncVersionWith])].filter(
        (d) => d !== c.name && names.has(d),
      ),
    );
    after.set(c.name, deps);
  }
  const ordered: string[] = [];
  const placed = new Set<string>();
  while (ordered.length < components.length) {
    const next = components.find(
      (c) => !placed.has(c.name) && [...(after.get(c.name) ?? [])].every((d) => placed.has(d)),
    );
    if (next === undefined) {
      const stuck = components.filter((c) => !placed.has(c.name)).map((c) => c.name);
      throw new UpkeepError(
        'CONFIG_INVALID',
        `components depend on each other in a cycle (compatible_with / sync_version_with): ${stuck.join(', ')}`,
        {
          details: { components: stuck },
          hint: 'remove one of the dependencies so that an upgrade order exists',
        },
      );
    }
    ordered.push(next.name);
    placed.add(next.name);
  }
  return ordered;
}

/** Components that depend on `name`, directly or through others. */
export function dependentsOf(name: string, components: readonly ComponentDependencies[]): Set<string> {
  const found = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const c of components) {
      if (found.has(c.name) || c.name === name) continue;
      const deps = [...c.compatibleWith, ...(c.syncVersionWith === undefined ? [] : [c.syncVersionWith])];
      if (deps.some((d) => d === name || found.has(d))) {
        found.add(c.name);
        grew = true;
      }
    }
  }
  return found;
}
