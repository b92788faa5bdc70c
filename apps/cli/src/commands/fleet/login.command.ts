import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import { UpkeepError } from '@upkeep/errors';
import { nodeFileSystem, readTokenFile } from '@upkeep/sources';
import type { CliContext } from '../../cli-context.ts';
import { CredentialsRepository } from '../../fleet/credentials.repository.ts';
import { FleetClient } from '../../fleet/fleet-client.ts';
import type { FleetEnvironment } from '../../fleet/fleet-environment.ts';

interface LoginOptions {
  readonly server: string;
  readonly tokenFile?: string;
  readonly json?: boolean;
}

function serverUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    url = new URL('invalid:');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') {
    throw new UpkeepError('USAGE', `--server ${JSON.stringify(text)} is not an http(s) URL`, {
      hint: 'write --server https://upkeep.example.com (no credentials in the URL)',
    });
  }
  return url.toString().replace(/\/+$/, '');
}

/** `upkeep login`: checks the token against the control plane, then stores server and token 0600. */
export function registerLogin(program: Command, ctx: CliContext, env: FleetEnvironment): void {
  program
    .command('login')
    .description('store the control plane URL and an API token (read from --token-file or standard input)')
    .requiredOption('--server <url>', 'control plane URL, e.g. https://upkeep.example.com')
    .option('--token-file <path>', 'file holding the API token (must not be readable by group or others)')
    .option('--json', 'print JSON')
    .action(async (options: LoginOptions) => {
      const server = serverUrl(options.server);
      let token: string;
      if (options.tokenFile !== undefined) {
        token = (await readTokenFile(options.tokenFile, nodeFileSystem, 'token file')).reveal().trim();
      } else {
        if (env.stdinIsTerminal) ctx.out.stderr('paste the API token, then press Ctrl-D:\n');
        token = (await env.readStdin()).trim();
      }
      if (token === '' || /\s/.test(token)) {
        throw new UpkeepError('USAGE', 'no API token given (or it contains spaces)', {
          hint: 'pass --token-file FILE, or pipe the token: upkeep login --server URL < token.txt',
        });
      }
      // Any role may list hosts: a token that cannot is wrong, and is not stored.
      await new FleetClient(server, token).get('/api/hosts', { limit: '1' });
      const repository = new CredentialsRepository(env.credentialsPath);
      await repository.save({ server, token });
      printResult(
        ctx.out,
        options.json === true,
        { server, credentials: repository.location },
        () => `logged in to ${server}; credentials stored in ${repository.location} (mode 0600)`,
      );
    });
}
