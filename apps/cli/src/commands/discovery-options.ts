import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { withPolicyOptions } from './policy-options.ts';

/** --config, --env, --json, plus what commands that ask upstreams share. */
export function withDiscoveryOptions(command: Command, ctx: CliContext): Command {
  return withPolicyOptions(command, ctx)
    .option('--offline', 'answer from the cache only, never ask upstream (as global.offline_mode)')
    .option(
      '--state-dir <dir>',
      'where the cache lives (UPKEEP_STATE_DIR, else the folder of global.state_db.path)',
    )
    .option('--github-token-file <file>', 'GitHub token, one line, mode 0600 (instead of GITHUB_TOKEN)')
    .option('--gitlab-token-file <file>', 'GitLab token, one line, mode 0600 (instead of GITLAB_TOKEN)');
}
