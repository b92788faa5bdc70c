import { UpkeepError } from '@upkeep/errors';
import type { StrategyName } from '@upkeep/versioning';
import { formatPath } from '../config/config-issue.ts';
import { closestName } from '../config/did-you-mean.ts';
import type {
  BreakingChange,
  ComponentConfig,
  ComponentConstraints,
  PolicyConfig,
} from '../config/policy-config.schema.ts';
import { GLOBAL_DEFAULTS, type EffectiveGlobal } from './global-defaults.ts';
import {
  PATH_SEPARATOR,
  isPlainObject,
  layerAt,
  mergeLayers,
  type Layer,
  type Merged,
  type Origin,
} from './layered-merge.ts';

/** A component as it applies in one environment: overlays merged, strategy decided. */
export type EffectiveComponent = Omit<ComponentConfig, 'strategy' | 'constraints'> & {
  readonly name: string;
  readonly strategy: StrategyName;
  readonly constraints: ComponentConstraints & { readonly exclude_prereleases: boolean };
};

/** The whole config as it applies in one environment (or none). */
export interface EffectiveConfig {
  readonly environment: string | undefined;
  readonly global: EffectiveGlobal;
  readonly components: Readonly<Record<string, EffectiveComponent>>;
  readonly upgrade_policies: PolicyConfig['upgrade_policies'];
  readonly breaking_changes: readonly BreakingChange[];
}

/** One effective value and the layer that decided it. */
export interface ExplainedValue {
  /** Path inside the effective object: `download.archive_type`, `strategy`. */
  readonly path: string;
  readonly value: unknown;
  /**
   * `default`, `global`, `components.<c>`, `environments.<env>`,
   * `environments.<env>.component_overrides.<c>` or `upgrade_policies.pinned_versions`.
   */
  readonly layer: string;
  /** The key in versions.yaml that set it (`environments.production.default_strategy`); absent for defaults. */
  readonly key?: string;
}

function unknownName(
  code: 'UNKNOWN_ENVIRONMENT' | 'UNKNOWN_COMPONENT',
  what: string,
  name: string,
  known: readonly string[],
  source: string,
): UpkeepError {
  const suggestion = closestName(name, known);
  const list = known.length === 0 ? 'none are defined' : `known: ${known.join(', ')}`;
  return new UpkeepError(
    code,
    `${what} ${JSON.stringify(name)} is not defined in ${source} (${list})${suggestion === undefined ? '' : `; did you mean ${JSON.stringify(suggestion)}?`}`,
    {
      details: { name, known },
      hint:
        suggestion === undefined
          ? `use one of: ${known.join(', ') || '(none)'}`
          : `did you mean ${suggestion}?`,
    },
  );
}

export function environmentOf(
  config: PolicyConfig,
  env: string | undefined,
): Record<string, unknown> | undefined {
  if (env === undefined) return undefined;
  const found = Object.hasOwn(config.environments, env) ? config.environments[env] : undefined;
  if (found === undefined) {
    throw unknownName(
      'UNKNOWN_ENVIRONMENT',
      'environment',
      env,
      Object.keys(config.environments),
      config.source,
    );
  }
  return found;
}

function componentOf(config: PolicyConfig, name: string): ComponentConfig {
  const found = Object.hasOwn(config.components, name) ? config.components[name] : undefined;
  if (found === undefined) {
    throw unknownName('UNKNOWN_COMPONENT', 'component', name, Object.keys(config.components), config.source);
  }
  return found;
}

/** The keys of an environment overlay that are not global settings. */
const NON_GLOBAL_KEYS = new Set(['component_overrides', 'rollouts', 'approvals']);

function globalPart(value: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !NON_GLOBAL_KEYS.has(key)));
}

function globalLayers(config: PolicyConfig, env: string | undefined): Layer[] {
  const overlay = environmentOf(config, env);
  const layers = [
    layerAt('default', GLOBAL_DEFAULTS, undefined),
    layerAt('global', config.global, ['global']),
  ];
  if (env !== undefined) {
    layers.push(layerAt(`environments.${env}`, globalPart(overlay), ['environments', env]));
  }
  return layers;
}

function mergedGlobal(config: PolicyConfig, env: string | undefined): Merged {
  return mergeLayers(globalLayers(config, env));
}

/** A component merged with the origin of every value. */
export interface TracedComponent {
  readonly component: EffectiveComponent;
  readonly origins: ReadonlyMap<string, Origin>;
}

/**
 * The component with its overlays and where each value came from. Precedence,
 * lowest first: default < global (its `constraints`) < components.<c> <
 * environments.<env> (its `constraints`) < environments.<env>.component_overrides.<c>
 * < upgrade_policies.pinned_versions (a pin forces strategy `pinned` and its version).
 * Without a `strategy`, the component takes the overlaid `default_strategy`.
 */
export function traceComponent(config: PolicyConfig, env: string | undefined, name: string): TracedComponent {
  const base = componentOf(config, name);
  const overlay = environmentOf(config, env);
  const global = mergedGlobal(config, env);

  const layers: Layer[] = [
    layerAt('default', { constraints: GLOBAL_DEFAULTS.constraints }, undefined),
    layerAt('global', { constraints: config.global.constraints }, ['global']),
    layerAt(`components.${name}`, base, ['components', name]),
  ];
  if (env !== undefined && overlay !== undefined) {
    layers.push(layerAt(`environments.${env}`, { constraints: overlay.constraints }, ['environments', env]));
    const overrides = overlay.component_overrides;
    const override = isPlainObject(overrides) && Object.hasOwn(overrides, name) ? overrides[name] : undefined;
    layers.push(
      layerAt(`environments.${env}.component_overrides.${name}`, override, [
        'environments',
        env,
        'component_overrides',
        name,
      ]),
    );
  }
  const pin = Object.hasOwn(config.upgrade_policies.pinned_versions, name)
    ? config.upgrade_policies.pinned_versions[name]
    : undefined;
  if (pin !== undefined) {
    layers.push({
      name: 'upgrade_policies.pinned_versions',
      value: { strategy: 'pinned', version: pin },
      keyFor: () => ['upgrade_policies', 'pinned_versions', name],
    });
  }

  const merged = mergeLayers(layers);
  const origins = new Map(merged.origins);
  if (merged.value.strategy === undefined) {
    merged.value.strategy = global.value.default_strategy;
    const from = global.origins.get('default_strategy');
    origins.set('strategy', from ?? { layer: 'default', key: undefined });
  }
  const component = { ...merged.value, name } as unknown as EffectiveComponent;
  return { component, origins };
}

/** Every leaf of a merged value with the layer that set it. */
export function explainMerged(
  value: Record<string, unknown>,
  origins: ReadonlyMap<string, Origin>,
): ExplainedValue[] {
  const result: ExplainedValue[] = [];
  const walk = (node: unknown, path: string[]): void => {
    const origin = origins.get(path.join(PATH_SEPARATOR));
    if (origin !== undefined || !isPlainObject(node)) {
      if (path.length === 0) return;
      result.push({
        path: formatPath(path),
        value: node,
        layer: origin?.layer ?? 'default',
        ...(origin?.key === undefined ? {} : { key: formatPath(origin.key) }),
      });
      return;
    }
    for (const [key, child] of Object.entries(node)) walk(child, [...path, key]);
  };
  walk(value, []);
  return result;
}

/** The global settings in `env` (or with no environment): defaults < global < environments.<env>. */
export function effectiveGlobal(config: PolicyConfig, env: string | undefined): EffectiveGlobal {
  return mergedGlobal(config, env).value as unknown as EffectiveGlobal;
}

/**
 * One component as it applies in `env`; see `traceComponent` for the precedence.
 * @throws UpkeepError UNKNOWN_ENVIRONMENT / UNKNOWN_COMPONENT listing the known names.
 */
export function effectiveComponent(
  config: PolicyConfig,
  env: string | undefined,
  name: string,
): EffectiveComponent {
  return traceComponent(config, env, name).component;
}

/**
 * The whole config as it applies in `env` (`undefined`: no environment overlay).
 * @throws UpkeepError UNKNOWN_ENVIRONMENT listing the known environments.
 */
export function effectiveConfig(config: PolicyConfig, env: string | undefined): EffectiveConfig {
  const global = effectiveGlobal(config, env);
  const components: Record<string, EffectiveComponent> = {};
  for (const name of Object.keys(config.components)) components[name] = effectiveComponent(config, env, name);
  return {
    environment: env,
    global,
    components,
    upgrade_policies: config.upgrade_policies,
    breaking_changes: config.breaking_changes,
  };
}

/** Every effective global value with the layer that set it. */
export function explainGlobal(config: PolicyConfig, env: string | undefined): ExplainedValue[] {
  const { value, origins } = mergedGlobal(config, env);
  return explainMerged(value, origins);
}

/** Every effective value of one component with the layer that set it. */
export function explainComponent(
  config: PolicyConfig,
  env: string | undefined,
  name: string,
): ExplainedValue[] {
  const { component, origins } = traceComponent(config, env, name);
  const { name: _name, ...values } = component;
  return explainMerged(values, origins);
}

/** The excluded versions the config lists for a component (none: `[]`). */
export function excludedVersionsOf(
  config: PolicyConfig,
  name: string,
): PolicyConfig['upgrade_policies']['excluded_versions'][string] {
  return Object.hasOwn(config.upgrade_policies.excluded_versions, name)
    ? (config.upgrade_policies.excluded_versions[name] ?? [])
    : [];
}
