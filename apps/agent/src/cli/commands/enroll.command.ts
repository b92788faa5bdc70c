import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { arch, hostname, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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

/** `upkeep-agent enroll --server URL --token T`: joins the fleet and keeps the identity (mode 0600). */
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
    .option('--force', 'replace an existing identity')
    .action(async (options: EnrollOptions) => {
      const stateDir = await agentStateDir(options, ctx);
      const path = join(stateDir, IDENTITY_FILE);
      if (existsSync(path) && options.force !== true) {
        throw new UpkeepError('INPUT_INVALID', `this host is already enrolled (${path} exists)`, {
          hint: 'pass --force to enroll again and replace the identity',
        });
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
      const identity = await enroll({
        serverUrl: options.server,
        token: options.token,
        labels,
        hostname: hostname(),
        os: platform(),
        arch: arch(),
        agentVersion: AGENT_VERSION,
        tls: await agentTls(ctx.env.cwd, caPem, options.clientCert, options.clientKey),
      });
      await mkdir(stateDir, { recursive: true, mode: 0o700 });
      await writeIdentityFile(path, {
        ...identity,
        serverUrl: options.server,
        ...(caPem === undefined ? {} : { caPem }),
        // Paths, not contents: the key stays where the operator's PKI tooling keeps and rotates it.
        ...(options.clientCert === undefined
          ? {}
          : { clientCertFile: resolve(ctx.env.cwd, options.clientCert) }),
        ...(options.clientKey === undefined
          ? {}
          : { clientKeyFile: resolve(ctx.env.cwd, options.clientKey) }),
      });
      const report = {
        agent_id: identity.agentId,
        server: options.server,
        identity_file: path,
        labels: identity.labels,
        groups: identity.groups,
      };
      printResult(
        ctx.out,
        options.json === true,
        report,
        () => `enrolled as ${identity.agentId} with ${options.server}; identity in ${path}`,
      );
    });
}
