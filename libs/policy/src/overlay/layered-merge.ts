import type { PathSegment } from '../config/config-issue.ts';

/** One source of values, lowest precedence first in a list of layers. */
export interface Layer {
  /** `default`, `global`, `environments.production`, ... */
  readonly name: string;
  readonly value: unknown;
  /** The key in versions.yaml that set the value at `path` in this layer, when one did. */
  readonly keyFor: (path: readonly string[]) => readonly PathSegment[] | undefined;
}

/** Where one effective value came from. */
export interface Origin {
  readonly layer: string;
  readonly key: readonly PathSegment[] | undefined;
}

export interface Merged {
  readonly value: Record<string, unknown>;
  /** Leaf path (segments joined by PATH_SEPARATOR) -> the layer that set it last. */
  readonly origins: Map<string, Origin>;
}

/** Joins path segments for `origins` keys; a NUL cannot appear in a YAML key we accept as a name. */
export const PATH_SEPARATOR = '\u0000';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (isPlainObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) result[key] = copy(child);
    return result;
  }
  return value;
}

function forgetBelow(origins: Map<string, Origin>, path: string): void {
  for (const key of origins.keys()) {
    if (key.startsWith(`${path}${PATH_SEPARATOR}`)) origins.delete(key);
  }
}

function mergeInto(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
  layer: Layer,
  path: readonly string[],
  origins: Map<string, Origin>,
): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const childPath = [...path, key];
    const dotted = childPath.join(PATH_SEPARATOR);
    if (isPlainObject(value)) {
      let existing = target[key];
      if (!isPlainObject(existing)) {
        existing = {};
        target[key] = existing;
        forgetBelow(origins, dotted);
      }
      // An empty mapping is a value in its own right (`compatible_with: {}`).
      if (Object.keys(value).length === 0 && Object.keys(existing as object).length === 0) {
        origins.set(dotted, { layer: layer.name, key: layer.keyFor(childPath) });
      } else {
        origins.delete(dotted);
        mergeInto(existing as Record<string, unknown>, value, layer, childPath, origins);
      }
    } else {
      // Lists and scalars replace: a list written in an overlay is the whole list.
      target[key] = copy(value);
      forgetBelow(origins, dotted);
      origins.set(dotted, { layer: layer.name, key: layer.keyFor(childPath) });
    }
  }
}

/** Deep-merges mappings, later layers winning; lists replace. Inputs are not modified. */
export function mergeLayers(layers: readonly Layer[]): Merged {
  const value: Record<string, unknown> = {};
  const origins = new Map<string, Origin>();
  for (const layer of layers) {
    if (isPlainObject(layer.value)) mergeInto(value, layer.value, layer, [], origins);
  }
  return { value, origins };
}

/** A layer whose keys sit under `prefix` in versions.yaml. */
export function layerAt(name: string, value: unknown, prefix: readonly PathSegment[] | undefined): Layer {
  return {
    name,
    value,
    keyFor: (path) => (prefix === undefined ? undefined : [...prefix, ...path]),
  };
}
