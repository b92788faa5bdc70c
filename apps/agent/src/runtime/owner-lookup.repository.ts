import { readFileSync } from 'node:fs';
import { UpkeepError } from '@upkeep/errors';
import type { FileOwner } from '../install/atomic-file.repository.ts';

function idIn(file: string, name: string, field: 2 | 3): number | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const parts = line.split(':');
    if (parts[0] === name && parts[field] !== undefined && /^\d+$/.test(parts[field]))
      return Number(parts[field]);
  }
  return null;
}

/**
 * uid and gid of `install.owner` / `install.group` from the host's /etc/passwd and
 * /etc/group (never under --root: ownership is the real system's). Only root can
 * give files away, so for anyone else this returns undefined and files keep the
 * agent's own user. The group defaults to the owner's primary group.
 * @throws UpkeepError CONFIG_INVALID for a user or group the system does not know.
 */
export function lookupOwner(
  user: string | undefined,
  group: string | undefined,
  isRoot: boolean,
): FileOwner | undefined {
  if (!isRoot || (user === undefined && group === undefined)) return undefined;
  const uid = user === undefined ? 0 : idIn('/etc/passwd', user, 2);
  if (uid === null) {
    throw new UpkeepError(
      'CONFIG_INVALID',
      `install.owner ${JSON.stringify(user)} is not a user on this host`,
      {
        hint: `create the user (useradd --system ${String(user)}) or fix install.owner`,
      },
    );
  }
  const gid =
    group === undefined
      ? user === undefined
        ? 0
        : idIn('/etc/passwd', user, 3)
      : idIn('/etc/group', group, 2);
  if (gid === null) {
    throw new UpkeepError(
      'CONFIG_INVALID',
      `install.group ${JSON.stringify(group)} is not a group on this host`,
      {
        hint: 'create the group or fix install.group',
      },
    );
  }
  return { uid, gid };
}
