import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { UpkeepError } from '@upkeep/errors';
import type { AgentIdentity } from './enroll.ts';

/**
 * Stores the agent's identity (its credential is a secret) with mode 0600,
 * written to a temporary file and renamed so a crash never leaves half a file.
 */
export async function writeIdentityFile(path: string, identity: AgentIdentity): Promise<void> {
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(identity, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

/** Reads the identity back, refusing a file other users could read (SECRET_FILE_INSECURE). */
export async function readIdentityFile(path: string): Promise<AgentIdentity> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (cause) {
    throw new UpkeepError('CONFIG_NOT_FOUND', `agent identity ${path} does not exist`, {
      hint: 'enroll first: upkeep-agent enroll --server URL --token T',
      cause,
    });
  }
  if ((mode & 0o077) !== 0) {
    throw new UpkeepError(
      'SECRET_FILE_INSECURE',
      `agent identity ${path} is readable by others (mode ${(mode & 0o777).toString(8)})`,
      {
        hint: `chmod 600 ${path}`,
      },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new UpkeepError('STATE_CORRUPT', `agent identity ${path} is not JSON`, {
      hint: 're-enroll the agent',
      cause,
    });
  }
  const identity = value as Partial<AgentIdentity>;
  for (const key of ['agentId', 'credential', 'assignmentPublicKeyPem', 'assignmentKeyId'] as const) {
    if (typeof identity[key] !== 'string' || identity[key] === '') {
      throw new UpkeepError('STATE_CORRUPT', `agent identity ${path} has no ${key}`, {
        hint: 're-enroll the agent',
      });
    }
  }
  return {
    agentId: identity.agentId ?? '',
    credential: identity.credential ?? '',
    assignmentPublicKeyPem: identity.assignmentPublicKeyPem ?? '',
    assignmentKeyId: identity.assignmentKeyId ?? '',
    labels: identity.labels ?? {},
    groups: identity.groups ?? [],
    ...(typeof identity.serverUrl === 'string' ? { serverUrl: identity.serverUrl } : {}),
    ...(typeof identity.caPem === 'string' ? { caPem: identity.caPem } : {}),
    ...(typeof identity.clientCertFile === 'string' ? { clientCertFile: identity.clientCertFile } : {}),
    ...(typeof identity.clientKeyFile === 'string' ? { clientKeyFile: identity.clientKeyFile } : {}),
  };
}
