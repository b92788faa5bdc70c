import { dirname, resolve } from 'node:path';
import { UpkeepError } from '@upkeep/errors';
import {
  effectiveComponent,
  effectiveGlobal,
  type EffectiveComponent,
  type EffectiveGlobal,
  type PolicyConfig,
} from '@upkeep/policy';
import {
  componentSourceConfig,
  createReleaseSource,
  createSourceContext,
  globalFetch,
  nodeFileSystem,
  platformFromNode,
  readTokenFile,
  resolveSourceSettings,
  sourceSettingsFromConfig,
  systemClock,
  SecretValue,
  type ComponentSourceConfig,
  type HostPlatform,
  type RateLimitGate,
  type ReleaseListing,
  type ReleaseSource,
  type SourceContext,
} from '@upkeep/sources';
import type { CliContext, DiscoveryOptions } from './cli-context.ts';
import { readPolicyConfig } from './policy-file.repository.ts';
import {
  openCacheStore,
  readRateLimits,
  stateLocation,
  writeRateLimits,
  type StateLocation,
} from './state-store.repository.ts';

/** One component of the config, ready to be asked about. */
export interface DiscoveryTarget {
  readonly name: string;
  readonly component: EffectiveComponent;
  readonly sources: ComponentSourceConfig;
  readonly source: ReleaseSource;
  /** The platform its assets are chosen for: `constraints.architecture`, else this host. */
  readonly platform: HostPlatform;
  /** Answers only from the cache: `--offline`, `offline_mode`, or `github_api.enabled: false` for GitHub. */
  readonly offline: boolean;
}

/** Everything a discovery command shares for one run; `close()` it when done. */
export interface DiscoverySession {
  readonly config: PolicyConfig;
  readonly configPath: string;
  readonly environment: string | undefined;
  readonly global: EffectiveGlobal;
  readonly ctx: SourceContext;
  readonly state: StateLocation;
  target(name: string): DiscoveryTarget;
  list(target: DiscoveryTarget): Promise<ReleaseListing>;
  close(): Promise<void>;
}

async function tokenFrom(
  file: string | undefined,
  envValue: string | undefined,
  what: string,
  cwd: string,
): Promise<SecretValue | undefined> {
  // A file named on the command line is the operator's explicit choice, so it wins over the environment.
  if (file !== undefined) return readTokenFile(resolve(cwd, file), nodeFileSystem, what);
  return envValue === undefined ? undefined : new SecretValue(envValue.trim());
}

function hostPlatform(cli: CliContext): HostPlatform | undefined {
  try {
    return platformFromNode(cli.env.host.platform, cli.env.host.arch);
  } catch {
    return undefined;
  }
}

/** A gate's key in the rate-limit file: budgets differ with and without a token. */
function gateKey(baseUrl: string, token: SecretValue | undefined): string {
  return `${baseUrl} (${token === undefined ? 'anonymous' : 'token'})`;
}

/**
 * Reads the config, the tokens (GITHUB_TOKEN / GITLAB_TOKEN or `--github-token-file` /
 * `--gitlab-token-file`) and the state directory, and builds the source context: SQLite
 * cache, rate-limit knowledge of earlier runs, this host's platform.
 */
export async function openDiscoverySession(
  cli: CliContext,
  options: DiscoveryOptions,
): Promise<DiscoverySession> {
  const configPath = resolve(cli.env.cwd, options.config);
  const config = await readPolicyConfig(options.config);
  const environment = options.env;
  const global = effectiveGlobal(config, environment);
  const githubToken = await tokenFrom(
    options.githubTokenFile,
    cli.env.githubToken,
    'GitHub token file',
    cli.env.cwd,
  );
  const gitlabToken = await tokenFrom(
    options.gitlabTokenFile,
    cli.env.gitlabToken,
    'GitLab token file',
    cli.env.cwd,
  );
  const settings = resolveSourceSettings(
    sourceSettingsFromConfig(global, { githubToken, gitlabToken, offline: options.offline === true }),
  );
  const state = stateLocation(global, {
    stateDir: options.stateDir ?? cli.env.defaultStateDir,
    cwd: cli.env.cwd,
    home: cli.env.home,
  });
  const store = await openCacheStore(state, global.cache.enabled);
  const host = hostPlatform(cli);
  const ctx = createSourceContext(
    settings,
    {
      fetch: globalFetch,
      clock: systemClock,
      store,
      fs: nodeFileSystem,
      logger: {
        warn: (message) => {
          cli.out.stderr(`warning: ${message}\n`);
        },
      },
    },
    { platforms: host === undefined ? [] : [host] },
  );

  const gates: { key: string; gate: RateLimitGate }[] = [
    {
      key: gateKey(settings.github.baseUrl, githubToken),
      gate: ctx.gates.for(settings.github.baseUrl, settings.github.rateLimitThreshold),
    },
    {
      key: gateKey(settings.gitlab.baseUrl, gitlabToken),
      gate: ctx.gates.for(settings.gitlab.baseUrl, settings.gitlab.rateLimitThreshold),
    },
  ];
  if (global.cache.enabled) {
    const known = await readRateLimits(state);
    for (const { key, gate } of gates) {
      const s = known.get(key);
      if (s === undefined) continue;
      gate.observe(
        new Headers({
          'x-ratelimit-remaining': String(s.remaining),
          'x-ratelimit-reset': String(Math.floor(s.resetAt / 1000)),
          ...(s.limit === null ? {} : { 'x-ratelimit-limit': String(s.limit) }),
        }),
      );
    }
  }

  const targets = new Map<string, DiscoveryTarget>();
  return {
    config,
    configPath,
    environment,
    global,
    ctx,
    state,
    target(name) {
      const known = targets.get(name);
      if (known !== undefined) return known;
      const component = effectiveComponent(config, environment, name);
      const sources = componentSourceConfig(component, { configDir: dirname(configPath) });
      const platform = sources.platform ?? host;
      if (platform === undefined) {
        throw new UpkeepError(
          'INPUT_INVALID',
          `this host (${cli.env.host.platform}/${cli.env.host.arch}) has no known release naming, and ${name} names no architecture`,
          {
            details: { component: name },
            hint: `set components.${name}.constraints.architecture, for example linux-amd64`,
          },
        );
      }
      const target: DiscoveryTarget = {
        name,
        component,
        sources,
        source: createReleaseSource(name, sources.spec, ctx),
        platform,
        offline: settings.offline || (sources.spec.kind === 'github' && !global.github_api.enabled),
      };
      targets.set(name, target);
      return target;
    },
    list: (target) => target.source.listReleases({ offline: target.offline }),
    async close() {
      try {
        if (global.cache.enabled) {
          const snapshots = new Map<string, NonNullable<ReturnType<RateLimitGate['snapshot']>>>();
          for (const { key, gate } of gates) {
            const s = gate.snapshot();
            if (s !== undefined) snapshots.set(key, s);
          }
          if (snapshots.size > 0) await writeRateLimits(state, snapshots, systemClock.now());
        }
      } catch (error) {
        // Losing rate-limit knowledge costs requests next run, not correctness.
        cli.out.stderr(`warning: could not save rate-limit state: ${(error as Error).message}\n`);
      } finally {
        store.close();
      }
    },
  };
}

/** Runs `work` with a session and always closes it. */
export async function withDiscoverySession<T>(
  cli: CliContext,
  options: DiscoveryOptions,
  work: (session: DiscoverySession) => Promise<T>,
): Promise<T> {
  const session = await openDiscoverySession(cli, options);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}
