import type { Command } from 'commander';
import { formatDecision, printResult } from '@upkeep/cli-kit';
import { decideUpgrade, decisionExitCode, decisionInputFor, splitCommandLine } from '@upkeep/policy';
import type { CliContext, PolicyOptions } from '../cli-context.ts';
import { readAdvisories, readPolicyConfig, readReleaseNotes } from '../policy-file.repository.ts';
import { NOT_INSTALLED, parseInstalled, parseNow } from './host-options.ts';
import { collect, withPolicyOptions } from './policy-options.ts';

interface DecideOptions extends PolicyOptions {
  readonly installed?: string[];
  readonly advisories?: string;
  readonly notes?: string;
  readonly serviceArgs?: string;
  readonly now?: string;
  readonly force?: boolean;
}

/**
 * `upkeep decide`: the seed's check_upgrade_safety. Exits 0 when the upgrade is
 * safe (or a skip), 1 when unsafe, 2 when it needs manual review.
 */
export function registerDecide(program: Command, ctx: CliContext): void {
  withPolicyOptions(program.command('decide'), ctx)
    .description('judge an upgrade: exit 0 safe, 1 unsafe, 2 manual review')
    .argument('<component>', 'component name in versions.yaml')
    .argument('<current>', 'installed version ("none" for a fresh install)')
    .argument('<target>', 'version to move to')
    .option('--installed <name=version>', 'version of another installed component (repeatable)', collect, [])
    .option('--advisories <path>', 'OSV advisories: a JSON file or a directory of them')
    .option('--notes <file>', 'release notes: text of the target release, or JSON [{version, body}]')
    .option('--service-args <command line>', "the service's actual command line, to check removed flags")
    .option('--now <iso-time>', 'decide as of this time (maintenance windows, release age)')
    .option('--force', 'allow a downgrade and stand in for manual approval')
    .action(async (component: string, current: string, target: string, options: DecideOptions) => {
      const config = await readPolicyConfig(options.config);
      const input = decisionInputFor(config, {
        environment: options.env,
        component,
        currentVersion: NOT_INSTALLED.has(current.trim().toLowerCase()) ? null : current,
        targetVersion: target,
        force: options.force === true,
        installedVersions: parseInstalled(options.installed ?? []),
        advisories: options.advisories === undefined ? undefined : await readAdvisories(options.advisories),
        releaseNotes: options.notes === undefined ? undefined : await readReleaseNotes(options.notes, target),
        serviceArgs: options.serviceArgs === undefined ? undefined : splitCommandLine(options.serviceArgs),
        now: parseNow(options.now, ctx.env.now),
      });
      const decision = decideUpgrade(input);
      printResult(ctx.out, options.json === true, decision, () => formatDecision(decision));
      ctx.setExitCode(decisionExitCode(decision));
    });
}
