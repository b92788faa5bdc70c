import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AgentTls } from '@upkeep/agent-client';
import { UpkeepError } from '@upkeep/errors';

async function pemFile(cwd: string, path: string, what: string): Promise<Buffer> {
  const absolute = resolve(cwd, path);
  try {
    return await readFile(absolute);
  } catch (cause) {
    throw new UpkeepError('CONFIG_NOT_FOUND', `cannot read the ${what} ${absolute}`, {
      hint: `pass the PEM file of the ${what}`,
      cause,
    });
  }
}

/** The TLS material of a session: the CA kept at enrollment, and the client pair for mutual TLS. */
export async function agentTls(
  cwd: string,
  caPem: string | undefined,
  clientCertFile: string | undefined,
  clientKeyFile: string | undefined,
): Promise<AgentTls> {
  if ((clientCertFile === undefined) !== (clientKeyFile === undefined)) {
    throw new UpkeepError('USAGE', 'mutual TLS needs both --client-cert and --client-key', {
      hint: 'pass both files, or neither',
    });
  }
  return {
    ...(caPem === undefined ? {} : { caPem: Buffer.from(caPem) }),
    ...(clientCertFile === undefined
      ? {}
      : { clientCertPem: await pemFile(cwd, clientCertFile, 'client certificate') }),
    ...(clientKeyFile === undefined ? {} : { clientKeyPem: await pemFile(cwd, clientKeyFile, 'client key') }),
  };
}
