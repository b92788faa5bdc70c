import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** What the fleet commands take from the process: where credentials live, read once at the edge. */
export interface FleetEnvironment {
  /** `$XDG_CONFIG_HOME/upkeep/credentials.json`, else `~/.config/upkeep/credentials.json`. */
  readonly credentialsPath: string;
  /** Reads the whole of standard input (the token for `upkeep login` when no --token-file). */
  readonly readStdin: () => Promise<string>;
  readonly stdinIsTerminal: boolean;
}

export function readFleetEnvironment(env: NodeJS.ProcessEnv): FleetEnvironment {
  const xdg = env['XDG_CONFIG_HOME'];
  const base = xdg !== undefined && xdg !== '' ? resolve(xdg) : join(env['HOME'] ?? homedir(), '.config');
  return {
    credentialsPath: join(base, 'upkeep', 'credentials.json'),
    stdinIsTerminal: process.stdin.isTTY,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
