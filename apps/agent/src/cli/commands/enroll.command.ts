import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { arch, hostname, platform } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { enroll, writeIdentityFile } from '@upkeep/agent-client';
import { printResult } from '@upkeep/cli-kit';
import { UpkeepError } from '@upkeep/errors';
import { locateStateDb, type AgentOptions } from '../../runtime/agent-context.repository.ts';
import { AGENT_VERSION } from '../agent-version.ts';
import { withAgentOptions, type AgentCliContext } from '../agent-cli-context.ts';
import { agentTls } from '../agent-tls.ts';

interface EnrollOptions extends AgentOptions {
  readonly server: string;
  readonly token: string;
  readonly caFile?: string;
  readonly label: readonly string[];
  readonly stateDir?: string;
  readonly force?: boolean;
  readonly clientCert?: string;
  readonly clientKey?: string;
  readonly hostname?: string;
  readonly hostRoot: readonly string[];
}

/** The identity file's name in the agent's state folder. */
export const IDENTITY_FILE = 'agent-identity.json';

/** The state folder: --state-dir, else the folder of versions.yaml's state_db (under --root). */
export async function agentStateDir(
  options: AgentOptions & { readonly stateDir?: string | undefined },
  ctx: AgentCliContext,
): Promise<string> {
  if (options.stateDir !== undefined) return resolve(ctx.env.cwd, options.stateDir);
  return dirname(await locateStateDb(options, ctx.env));
}

function labelsOf(texts: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const text of texts) {
    const at = text.indexOf('=');
    if (at <= 0) {
      throw new UpkeepError('USAGE', `--label ${JSON.stringify(text)} is not key=value`, {
        hint: 'for example: --label env=prod',
      });
    }
    labels[text.slice(0, at)] = text.slice(at + 1);
  }
  return labels;
}

/** --hostname as given, else the machine's: host folders on one machine need names of their own. */
function hostnameOf(given: string | undefined): string {
  if (given === undefined) return hostname();
  const name = given.trim();
  if (name === '') {
    throw new UpkeepError('USAGE', '--hostname is empty', { hint: 'for example: --hostname web-1' });
  }
  return name;
}

interface EnrollReport {
  readonly agent_id: string;
  readonly hostname: string;
  readonly server: string;
  readonly identity_file: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly groups: readonly string[];
}

/** Enrolls the host whose identity belongs in `stateDir` and writes that identity. */
async function enrollHost(
  options: EnrollOptions,
  ctx: AgentCliContext,
  host: { readonly stateDir: string; readonly hostname: string },
  labels: Readonly<Record<string, string>>,
  caPem: string | undefined,
): Promise<EnrollReport> {
  const path = join(host.stateDir, IDENTITY_FILE);
  if (existsSync(path) && options.force !== true) {
    throw new UpkeepError('INPUT_INVALID', `this host is already enrolled (${path} exists)`, {
      hint: 'pass --force to enroll again and replace the identity',
    });
  }
  const identity = await enroll({
    serverUrl: options.server,
    token: options.token,
    labels,
    hostname: host.hostname,
    os: platform(),
    arch: arch(),
    agentVersion: AGENT_VERSION,
    tls: await agentTls(ctx.env.cwd, caPem, options.clientCert, options.clientKey),
  });
  await mkdir(host.stateDir, { recursive: true, mode: 0o700 });
  await writeIdentityFile(path, {
    ...identity,
    serverUrl: options.server,
    ...(caPem === undefined ? {} : { caPem }),
    // Paths, not contents: the key stays where the operator's PKI tooling keeps and rotates it.
    ...(options.clientCert === undefined ? {} : { clientCertFile: resolve(ctx.env.cwd, options.clientCert) }),
    ...(options.clientKey === undefined ? {} : { clientKeyFile: resolve(ctx.env.cwd, options.clientKey) }),
  });
  return {
    agent_id: identity.agentId,
    hostname: host.hostname,
    server: options.server,
    identity_file: path,
    labels: identity.labels,
    groups: identity.groups,
  };
}

/**
 * `upkeep-agent enroll --server URL --token T`: joins the fleet and keeps the
 * identity (mode 0600). With `--host-root` repeated, enrolls each host folder
 * (named after the folder) with the same token, labels and groups.
 */
/**
 * `--host-root` serves hosts that each bring their own root, versions.yaml and state folder: the
 * single-host flags (and one more the command names) cannot be given with it.
 */
export function refuseWithHostRoot(
  options: { root?: string | undefined; config?: string | undefined; stateDir?: string | undefined },
  extra: readonly [flag: string, value: string | undefined],
  hint: string,
): void {
  const clash = (
    [
      ['--root', options.root],
      ['--config', options.config],
      ['--state-dir', options.stateDir],
      extra,
    ] as const
  ).find(([, value]) => value !== undefined);
  if (clash !== undefined) {
    throw new UpkeepError('USAGE', `--host-root cannot be combined with ${clash[0]}`, { hint });
  }
}

export function registerEnroll(program: Command, ctx: AgentCliContext): void {
  withAgentOptions(program.command('enroll'))
    .description(
      'enroll this host with a control plane and store its identity (credential, pinned signing key)',
    )
    .requiredOption('--server <host:port>', 'the control plane gRPC address')
    .requiredOption('--token <token>', 'an enrollment token from an operator')
    .option(
      '--ca-file <file>',
      'CA bundle (PEM) that signs the control plane certificate (default: system roots)',
    )
    .option(
      '--label <key=value>',
      'a label of this host (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--state-dir <dir>', 'where the identity is kept (default: the folder of global.state_db.path)')
    .option('--client-cert <file>', 'client certificate (PEM) when the control plane requires mutual TLS')
    .option('--client-key <file>', 'its private key (PEM)')
    .option(
      '--hostname <name>',
      'the name the control plane shows for this host (default: the machine host name)',
    )
    .option(
      '--host-root <dir>',
      'enroll the host in this folder, as --root does, named after the folder (repeatable; needs a token that is not single-use for several)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--force', 'replace an existing identity')
    .action(async (options: EnrollOptions) => {
      const roots = options.hostRoot;
      if (roots.length > 0) {
        refuseWithHostRoot(
          options,
          ['--hostname', roots.length > 1 ? options.hostname : undefined],
          'each host folder has its own versions.yaml and state folder, and is named after the folder',
        );
      }
      const labels = labelsOf(options.label);
      let caPem: string | undefined;
      if (options.caFile !== undefined) {
        const caPath = resolve(ctx.env.cwd, options.caFile);
        try {
          caPem = await readFile(caPath, 'utf8');
        } catch (cause) {
          throw new UpkeepError('CONFIG_NOT_FOUND', `cannot read the CA file ${caPath}`, {
            hint: 'pass the PEM file of the CA that signs the control plane certificate',
            cause,
          });
        }
      }
      if (roots.length === 0) {
        const report = await enrollHost(
          options,
          ctx,
          { stateDir: await agentStateDir(options, ctx), hostname: hostnameOf(options.hostname) },
          labels,
          caPem,
        );
        printResult(
          ctx.out,
          options.json === true,
          report,
          () => `enrolled as ${report.agent_id} with ${options.server}; identity in ${report.identity_file}`,
        );
        return;
      }
      const reports: EnrollReport[] = [];
      for (const root of roots) {
        const folder = resolve(ctx.env.cwd, root);
        const host = {
          stateDir: await agentStateDir({ ...options, root: folder }, ctx),
          hostname: hostnameOf(options.hostname ?? basename(folder)),
        };
        reports.push(await enrollHost(options, ctx, host, labels, caPem));
      }
      printResult(ctx.out, options.json === true, reports, () =>
        reports
          .map(
            (r) =>
              `enrolled ${r.hostname} as ${r.agent_id} with ${options.server}; identity in ${r.identity_file}`,
          )
          .join('\n'),
      );
    });
}
