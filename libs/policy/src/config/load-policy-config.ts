import type { z } from 'zod';
import { compareVersions, parseVersion } from '@upkeep/versioning';
import { traceComponent } from '../overlay/effective-config.ts';
import { isPlainObject } from '../overlay/layered-merge.ts';
import {
  configInvalidError,
  describeValue,
  formatPath,
  kindOf,
  type ConfigIssue,
  type PathSegment,
} from './config-issue.ts';
import { didYouMean } from './did-you-mean.ts';
import {
  SOURCE_KEYS,
  policyConfigSchema,
  type ComponentConfig,
  type PolicyConfig,
} from './policy-config.schema.ts';
import { NAME_PATTERN } from './schema-fields.ts';
import { readYaml, type YamlSource } from './yaml-source.ts';
import { validateWith, valueAt } from './schema-issues.ts';

const TOP_LEVEL_KEYS = ['global', 'components', 'environments', 'upgrade_policies', 'breaking_changes'];

/** Names that must refer to a component of `components`, checked on the raw data so all errors come at once. */
function referenceIssues(data: Record<string, unknown>, source: YamlSource): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const components = isPlainObject(data.components) ? Object.keys(data.components) : [];
  const known = new Set(components);

  const checkNames = (container: unknown, path: PathSegment[], what: string): void => {
    if (!isPlainObject(container)) return;
    for (const name of Object.keys(container)) {
      if (!NAME_PATTERN.test(name)) {
        issues.push(
          source.located(
            [...path, name],
            `${JSON.stringify(name)} is not a valid ${what} name: use letters, digits, "_" and "-" (at most 64)`,
            'key',
          ),
        );
      }
    }
  };
  const checkRefs = (container: unknown, path: PathSegment[]): void => {
    if (!isPlainObject(container)) return;
    for (const name of Object.keys(container)) {
      if (!known.has(name)) {
        issues.push(
          source.located(
            [...path, name],
            `${JSON.stringify(name)} is not a component defined under components${didYouMean(name, known)}`,
            'key',
          ),
        );
      }
    }
  };
  const checkList = (list: unknown, path: PathSegment[]): void => {
    if (!Array.isArray(list)) return;
    list.forEach((name, index) => {
      if (typeof name === 'string' && NAME_PATTERN.test(name) && !known.has(name)) {
        issues.push(
          source.located(
            [...path, index],
            `${JSON.stringify(name)} is not a component defined under components${didYouMean(name, known)}`,
          ),
        );
      }
    });
  };
  const autoUpgradeExcludes = (settings: unknown, path: PathSegment[]): void => {
    const list = valueAt(settings, ['safety', 'auto_upgrade', 'exclude_components']);
    checkList(list, [...path, 'safety', 'auto_upgrade', 'exclude_components']);
  };

  checkNames(data.components, ['components'], 'component');
  checkNames(data.environments, ['environments'], 'environment');
  autoUpgradeExcludes(data.global, ['global']);
  if (isPlainObject(data.environments)) {
    for (const [env, overlay] of Object.entries(data.environments)) {
      autoUpgradeExcludes(overlay, ['environments', env]);
      if (isPlainObject(overlay)) {
        checkRefs(overlay.component_overrides, ['environments', env, 'component_overrides']);
      }
    }
  }
  if (isPlainObject(data.components)) {
    for (const [name, component] of Object.entries(data.components)) {
      if (isPlainObject(component)) {
        checkNames(component.compatible_with, ['components', name, 'compatible_with'], 'component');
      }
    }
  }
  const policies = data.upgrade_policies;
  if (isPlainObject(policies)) {
    checkRefs(policies.pinned_versions, ['upgrade_policies', 'pinned_versions']);
    checkRefs(policies.excluded_versions, ['upgrade_policies', 'excluded_versions']);
    const environments = new Set(isPlainObject(data.environments) ? Object.keys(data.environments) : []);
    const windows = valueAt(policies, ['maintenance_windows', 'windows']);
    if (Array.isArray(windows)) {
      windows.forEach((window, index) => {
        const listed = valueAt(window, ['environments']);
        if (!Array.isArray(listed)) return;
        listed.forEach((env, at) => {
          if (typeof env === 'string' && NAME_PATTERN.test(env) && !environments.has(env)) {
            issues.push(
              source.located(
                ['upgrade_policies', 'maintenance_windows', 'windows', index, 'environments', at],
                `${JSON.stringify(env)} is not an environment defined under environments${didYouMean(env, environments)}`,
              ),
            );
          }
        });
      });
    }
  }
  return issues;
}

/** The key in the file that set `path` (or, for a mapping, the first of its values), else `fallback`. */
function keyOf(
  origins: ReadonlyMap<string, { key: readonly PathSegment[] | undefined }>,
  path: string,
  fallback: PathSegment[],
): PathSegment[] {
  let key = origins.get(path)?.key;
  if (key === undefined) {
    for (const [leaf, origin] of origins) {
      if (leaf.startsWith(`${path}\u0000`) && origin.key !== undefined) {
        // The mapping itself: drop the part of the key below `path`.
        const depth = leaf.split('\u0000').length - path.split('\u0000').length;
        key = origin.key.slice(0, origin.key.length - depth);
        break;
      }
    }
  }
  return key === undefined ? fallback : [...key];
}

/** Rules across keys, checked on each component as it applies in each environment. */
function componentIssues(config: PolicyConfig, source: YamlSource): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  const push = (path: PathSegment[], message: string): void => {
    const id = `${formatPath(path)}\u0000${message}`;
    if (seen.has(id)) return;
    seen.add(id);
    issues.push(source.located(path, message));
  };

  for (const env of [undefined, ...Object.keys(config.environments)]) {
    const where = env === undefined ? '' : ` in environment ${env}`;
    for (const name of Object.keys(config.components)) {
      const { component, origins } = traceComponent(config, env, name);
      const home: PathSegment[] = ['components', name];
      const strategyKey = keyOf(origins, 'strategy', home);
      const needs: Record<string, [keyof ComponentConfig, string] | undefined> = {
        pinned: ['version', 'the exact version, e.g. version: "1.7.0"'],
        range: ['constraint', 'a constraint, e.g. constraint: ">=1.7.0 <2.0.0"'],
        lts: ['lts_series', 'the LTS lines, e.g. lts_series: ["2.53", "3.5"]'],
      };
      const need = needs[component.strategy];
      const needed = need === undefined ? undefined : (component as Record<string, unknown>)[need[0]];
      if (need !== undefined && (needed === undefined || (Array.isArray(needed) && needed.length === 0))) {
        push(
          strategyKey,
          `${name}${where} uses strategy "${component.strategy}", which needs ${need[1]}; set ${need[0]} for the component or choose another strategy`,
        );
      }

      const sources = SOURCE_KEYS.filter((key) => component[key] !== undefined);
      if (sources.length === 0) {
        push(home, `${name} has no release source; set one of ${SOURCE_KEYS.join(', ')}`);
      } else if (sources.length > 1) {
        push(
          keyOf(origins, sources[1] ?? '', home),
          `${name}${where} has several release sources (${sources.join(', ')}); keep exactly one`,
        );
      }

      const health = component.health_check;
      if (health !== undefined) {
        const at = (field: string): PathSegment[] =>
          keyOf(origins, `health_check\u0000${field}`, [...home, 'health_check']);
        if (health.type === undefined) {
          push([...home, 'health_check'], `health_check${where} needs a type: one of http, tcp, command`);
        } else {
          const required = { http: 'url', tcp: 'port', command: 'command' } as const;
          const field = required[health.type];
          if (health[field] === undefined) {
            push(at('type'), `health_check of type ${health.type}${where} needs ${field}`);
          }
        }
      }

      if (component.minimum_version !== undefined && component.fallback_version !== undefined) {
        const minimum = parseVersion(component.minimum_version);
        const fallback = parseVersion(component.fallback_version);
        if (compareVersions(fallback, minimum) < 0) {
          push(
            keyOf(origins, 'fallback_version', home),
            `fallback_version ${fallback.text}${where} is below minimum_version ${minimum.text}, so it could never be used`,
          );
        }
      }

      if (component.download?.gpg_signature === true && component.download.signature_key === undefined) {
        push(
          keyOf(origins, 'download\u0000gpg_signature', home),
          `gpg_signature is on${where} but download.signature_key is not set: give the armored public key or its path`,
        );
      }

      if (component.upgrade?.sync_version_with === name) {
        push(
          keyOf(origins, 'upgrade\u0000sync_version_with', home),
          `${name} cannot sync its version with itself`,
        );
      }
    }
  }
  return issues;
}

function normalise(parsed: z.output<typeof policyConfigSchema>, sourceName: string): PolicyConfig {
  const policies = parsed.upgrade_policies ?? {};
  const windows = policies.maintenance_windows;
  return {
    global: parsed.global ?? {},
    components: parsed.components ?? {},
    environments: parsed.environments ?? {},
    upgrade_policies: {
      ...policies,
      ...(windows === undefined
        ? {}
        : {
            maintenance_windows: {
              ...windows,
              windows: (windows.windows ?? []).map((window) => ({
                ...window,
                timezone: window.timezone ?? windows.timezone ?? 'UTC',
                ...(window.timezone === undefined ? { inherits_timezone: true } : {}),
              })),
            },
          }),
      pinned_versions: policies.pinned_versions ?? {},
      excluded_versions: policies.excluded_versions ?? {},
    },
    breaking_changes: parsed.breaking_changes ?? [],
    source: sourceName,
  };
}

/**
 * Reads versions.yaml text into the policy model. Pure: the caller reads the file.
 * Every problem in the file is reported at once, each with its key path, the bad
 * value, what is allowed and, when the file says, its line and column.
 * @throws UpkeepError CONFIG_INVALID with `details.issues: [{ path, message, line?, column? }]`.
 */
export function loadPolicyConfig(text: string, sourceName = 'versions.yaml'): PolicyConfig {
  const source = readYaml(text, sourceName);
  const { data } = source;
  if (data === null || data === undefined) {
    throw configInvalidError(
      sourceName,
      [{ path: '', message: 'is empty: expected a mapping with global, components, ...' }],
      'start from the documented example versions.yaml',
    );
  }
  if (!isPlainObject(data)) {
    throw configInvalidError(sourceName, [
      source.located(
        [],
        `the top level is ${kindOf(data) === 'list' ? 'a list' : describeValue(data)}; expected a mapping with keys ${TOP_LEVEL_KEYS.join(', ')}`,
      ),
    ]);
  }

  const validated = validateWith(policyConfigSchema, data, source.located);
  const issues = [...(validated.ok ? [] : validated.issues), ...referenceIssues(data, source)];
  if (!validated.ok || issues.length > 0) throw configInvalidError(sourceName, issues);

  const config = normalise(validated.value, sourceName);
  const crossIssues = componentIssues(config, source);
  if (crossIssues.length > 0) throw configInvalidError(sourceName, crossIssues);
  return config;
}
