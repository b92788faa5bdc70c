import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import { UpkeepError } from '@upkeep/errors';
import type { CliContext } from '../../cli-context.ts';
import { fleetClientFor, UUID_PATTERN } from '../../fleet/fleet-session.ts';
import type { FleetEnvironment } from '../../fleet/fleet-environment.ts';
import { textTable } from '../../fleet/text-table.ts';
import { collect } from '../policy-options.ts';

const ROLLOUT_STATES = [
  'draft',
  'awaiting_approval',
  'scheduled',
  'running',
  'paused',
  'completed',
  'aborted',
  'failed',
];

interface RolloutHost {
  readonly hostname: string;
  readonly state: string;
  readonly jobId: string | null;
  readonly message: string;
}

interface RolloutRecord {
  readonly id: string;
  readonly component: string;
  readonly environment: string;
  readonly targetVersion: string;
  readonly state: string;
  readonly currentWave: number;
  readonly reason: string | null;
  readonly createdBy: string;
  /** The token's name; null when unknown, absent from a control plane older than names in views. */
  readonly createdByName?: string | null;
  readonly createdAt: string;
  readonly requiredApprovals: number;
  /** The plan frozen at creation; null on older rollouts, absent from an older control plane. */
  readonly risk?: string | null;
  readonly breakingChanges?: readonly { version: string; description: string }[] | null;
  readonly approvals: readonly {
    actor: string;
    actorName?: string | null;
    decision: string;
    comment: string;
    at: string;
    wave: number | null;
  }[];
  readonly waves: readonly {
    readonly index: number;
    readonly name: string;
    readonly state: string;
    readonly size: string;
    readonly maxParallel: number;
    readonly bakeSeconds: number;
    readonly failureThreshold: string;
    readonly hosts: readonly RolloutHost[];
  }[];
}

interface PlanRecord {
  readonly component: string;
  readonly environment: string;
  readonly targetVersion: string;
  readonly risk: string;
  readonly expectedDurationSeconds: number;
  readonly requiredApprovals: number;
  /** Absent from a control plane older than the maintenance-window freeze. */
  readonly maintenanceWindow?: boolean;
  readonly breakingChanges: readonly { version: string; description: string }[];
  readonly advisories: readonly { id: string; severity: string; summary: string }[];
  readonly order: readonly { rolloutId: string; component: string; state: string }[];
  readonly waves: readonly {
    readonly name: string;
    readonly size: string;
    readonly maxParallel: number;
    readonly bakeSeconds: number;
    readonly approval: boolean;
    readonly hosts: readonly {
      hostname: string;
      decision: string;
      currentVersion: string | null;
      riskLevel: string | null;
      message: string | null;
    }[];
  }[];
}

interface RequestOptions {
  readonly file?: string;
  readonly component?: string;
  readonly env?: string;
  readonly target?: string;
  readonly strategy?: string;
  readonly group: string[];
  readonly labels?: string;
  readonly wave: string[];
  readonly onFailure?: string;
  readonly revertWave?: boolean;
  readonly rollbackOnAbort?: boolean;
  readonly offlineDeadline?: string;
  readonly offlineCountAs?: string;
  readonly waitsFor: string[];
  readonly approvals?: string;
  readonly json?: boolean;
}

function integer(text: string, what: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new UpkeepError('USAGE', `${what} ${JSON.stringify(text)} is not a whole number`);
  }
  return value;
}

/** `--wave canary=1,1,300,1` → name=size,maxParallel,bakeSeconds,failureThreshold[,approval]. */
function parseWave(text: string): Record<string, unknown> {
  const match = /^([^=]+)=([^,]+),(\d+),(\d+),([^,]+)(,approval)?$/.exec(text);
  if (match === null) {
    throw new UpkeepError(
      'USAGE',
      `--wave ${JSON.stringify(text)} is not name=size,maxParallel,bakeSeconds,threshold`,
      {
        hint: 'e.g. --wave canary=1,1,300,1 --wave rest=100%,10,0,10% (append ,approval to hold the wave for approval)',
      },
    );
  }
  const [, name = '', size = '', maxParallel = '', bakeSeconds = '', failureThreshold = '', approval] = match;
  return {
    name,
    size,
    maxParallel: integer(maxParallel, 'maxParallel'),
    bakeSeconds: integer(bakeSeconds, 'bakeSeconds'),
    failureThreshold,
    ...(approval === undefined ? {} : { approval: true }),
  };
}

/** The request body from the options, over `--file` (a JSON body, e.g. with gates) when given. */
function requestBody(options: RequestOptions): Record<string, unknown> {
  let body: Record<string, unknown> = {};
  if (options.file !== undefined) {
    try {
      body = JSON.parse(readFileSync(options.file, 'utf8')) as Record<string, unknown>;
    } catch (cause) {
      throw new UpkeepError('USAGE', `--file ${options.file} is not a readable JSON rollout request`, {
        cause,
      });
    }
  }
  if (options.component !== undefined) body['component'] = options.component;
  if (options.env !== undefined) body['environment'] = options.env;
  if (options.target !== undefined && options.strategy !== undefined) {
    throw new UpkeepError('USAGE', 'give --target or --strategy, not both');
  }
  if (options.target !== undefined) body['target'] = { version: options.target };
  if (options.strategy !== undefined) body['target'] = { strategy: options.strategy };
  if (options.group.length > 0 || options.labels !== undefined || body['selector'] === undefined) {
    body['selector'] = {
      ...(options.group.length > 0 ? { groups: options.group } : {}),
      ...(options.labels !== undefined ? { labels: options.labels } : {}),
    };
  }
  if (options.wave.length > 0) body['waves'] = options.wave.map(parseWave);
  if (options.onFailure !== undefined) body['onFailure'] = options.onFailure;
  if (options.revertWave !== undefined) body['revertWaveOnFailure'] = options.revertWave;
  if (options.rollbackOnAbort !== undefined) body['rollbackOnAbort'] = options.rollbackOnAbort;
  if (options.offlineDeadline !== undefined || options.offlineCountAs !== undefined) {
    body['offline'] = {
      deadlineSeconds: integer(options.offlineDeadline ?? '600', '--offline-deadline'),
      countAs: options.offlineCountAs ?? 'failed',
    };
  }
  if (options.waitsFor.length > 0) body['waitsFor'] = options.waitsFor;
  if (options.approvals !== undefined) body['requiredApprovals'] = integer(options.approvals, '--approvals');
  for (const key of ['component', 'environment', 'target']) {
    if (body[key] === undefined) {
      throw new UpkeepError(
        'USAGE',
        `the rollout needs ${key === 'target' ? '--target or --strategy' : `--${key === 'environment' ? 'env' : key}`}`,
      );
    }
  }
  return body;
}

function requestOptions(command: Command): Command {
  return command
    .option('--file <json>', 'the whole request as JSON (REST body); options given override it')
    .option('--component <name>', 'component to move (from versions.yaml)')
    .option('--env <environment>', 'environment whose policy and defaults apply')
    .option('--target <version>', "target version (--version is the CLI's own)")
    .option(
      '--strategy <strategy>',
      'target resolved by this strategy at creation (latest, pinned, lts, range, locked)',
    )
    .option('--group <group>', 'hosts in this group (repeatable: any of them)', collect, [])
    .option('--labels <expr>', 'label selector: k=v, k!=v, k in (a,b), k notin (a,b), k, !k; comma = AND')
    .option(
      '--wave <spec>',
      'name=size,maxParallel,bakeSeconds,threshold[,approval] (repeatable, in order)',
      collect,
      [],
    )
    .option('--on-failure <action>', 'pause or abort when a wave trips its threshold')
    .option('--revert-wave', 'roll back the hosts a tripped wave already upgraded')
    .option('--no-revert-wave', 'leave them')
    .option('--rollback-on-abort', 'an abort rolls back the hosts this rollout upgraded')
    .option('--offline-deadline <seconds>', 'how long a host offline at its turn is waited for')
    .option('--offline-count-as <what>', 'failed or skipped once the deadline passes')
    .option('--waits-for <rollout-id>', 'start only after this rollout completed (repeatable)', collect, [])
    .option('--approvals <n>', 'approvals needed before the start (never fewer than policy requires)')
    .option('--json', 'print JSON');
}

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}

function planText(plan: PlanRecord): string {
  const lines = [
    `${plan.component} → ${plan.targetVersion} in ${plan.environment}: risk ${plan.risk}, expected ${duration(plan.expectedDurationSeconds)}, ${plan.requiredApprovals} approval(s) required`,
  ];
  if (plan.maintenanceWindow === true)
    lines.push('runs only inside maintenance windows (required by the approval policy)');
  for (const other of plan.order)
    lines.push(`waits for rollout ${other.rolloutId} (${other.component}, ${other.state})`);
  for (const change of plan.breakingChanges)
    lines.push(`breaking change in ${change.version}: ${change.description}`);
  for (const advisory of plan.advisories)
    lines.push(`advisory ${advisory.id} (${advisory.severity}): ${advisory.summary}`);
  lines.push('');
  lines.push(
    textTable(
      ['WAVE', 'HOST', 'CURRENT', 'DECISION', 'RISK', 'NOTE'],
      plan.waves.flatMap((wave) =>
        wave.hosts.map((host) => [
          `${wave.name} (${wave.size}${wave.approval ? ', approval' : ''})`,
          host.hostname,
          host.currentVersion ?? '-',
          host.decision,
          host.riskLevel ?? '-',
          host.message ?? '',
        ]),
      ),
    ),
  );
  return lines.join('\n');
}

/** A token's name with its id, or the id alone when the name is unknown. */
function actorText(id: string, name: string | null | undefined): string {
  return name === null || name === undefined ? id : `${name} (${id})`;
}

function rolloutText(rollout: RolloutRecord): string {
  const lines = [
    `rollout ${rollout.id}: ${rollout.component} → ${rollout.targetVersion} in ${rollout.environment}`,
    `state ${rollout.state}, wave ${rollout.currentWave}${rollout.reason === null ? '' : ` — ${rollout.reason}`}`,
    `risk ${rollout.risk ?? 'not recorded'} (frozen when planned)`,
    `created by ${actorText(rollout.createdBy, rollout.createdByName)} at ${rollout.createdAt}; approvals ${rollout.approvals.filter((a) => a.decision === 'approve').length}/${rollout.requiredApprovals}`,
  ];
  for (const change of rollout.breakingChanges ?? [])
    lines.push(`breaking change in ${change.version}: ${change.description}`);
  for (const approval of rollout.approvals) {
    lines.push(
      `  ${approval.decision} by ${actorText(approval.actor, approval.actorName)} at ${approval.at}${approval.wave === null ? '' : ` (wave ${approval.wave})`}${approval.comment === '' ? '' : `: ${approval.comment}`}`,
    );
  }
  lines.push('');
  lines.push(
    textTable(
      ['WAVE', 'WAVE STATE', 'HOST', 'HOST STATE', 'JOB', 'MESSAGE'],
      rollout.waves.flatMap((wave) =>
        wave.hosts.map((host) => [
          `${wave.index} ${wave.name}`,
          wave.state,
          host.hostname,
          host.state,
          host.jobId ?? '-',
          host.message,
        ]),
      ),
    ),
  );
  return lines.join('\n');
}

function rolloutId(id: string): string {
  if (!UUID_PATTERN.test(id)) throw new UpkeepError('USAGE', `${JSON.stringify(id)} is not a rollout id`);
  return id.toLowerCase();
}

/** `upkeep rollout plan|create|list|show|submit|approve|reject|pause|resume|abort|retry-failed`. */
export function registerRollout(program: Command, ctx: CliContext, env: FleetEnvironment): void {
  const rollout = program.command('rollout').description('staged rollouts across the fleet');

  requestOptions(
    rollout.command('plan').description('show what a rollout would do, changing nothing'),
  ).action(async (options: RequestOptions) => {
    const client = await fleetClientFor(env);
    const plan = await client.post<PlanRecord>('/api/rollouts/plan', requestBody(options));
    printResult(ctx.out, options.json === true, plan, () => planText(plan));
  });

  requestOptions(
    rollout.command('create').description('create a rollout (it waits for approval when policy asks)'),
  )
    .option('--draft', 'store it as a draft: nothing runs until `upkeep rollout submit <id>`')
    .action(async (options: RequestOptions & { draft?: boolean }) => {
      const client = await fleetClientFor(env);
      const created = await client.post<RolloutRecord>('/api/rollouts', {
        ...requestBody(options),
        ...(options.draft === true ? { draft: true } : {}),
      });
      printResult(ctx.out, options.json === true, created, () => rolloutText(created));
    });

  rollout
    .command('list')
    .description('rollouts, newest first')
    .option('--state <state>', `only rollouts in this state (${ROLLOUT_STATES.join(', ')})`)
    .option('--component <name>', 'only rollouts of this component')
    .option('--limit <n>', 'at most this many (1-100)', '20')
    .option('--json', 'print JSON')
    .action(async (options: { state?: string; component?: string; limit: string; json?: boolean }) => {
      if (options.state !== undefined && !ROLLOUT_STATES.includes(options.state)) {
        throw new UpkeepError('USAGE', `--state ${JSON.stringify(options.state)} is not a rollout state`, {
          hint: `use one of ${ROLLOUT_STATES.join(', ')}`,
        });
      }
      const client = await fleetClientFor(env);
      const page = await client.get<{ items: RolloutRecord[] }>('/api/rollouts', {
        state: options.state,
        component: options.component,
        limit: options.limit,
      });
      printResult(ctx.out, options.json === true, page.items, () =>
        textTable(
          ['ID', 'COMPONENT', 'TARGET', 'ENV', 'STATE', 'WAVE', 'HOSTS', 'CREATED'],
          page.items.map((item) => {
            const hosts = item.waves.flatMap((wave) => wave.hosts);
            return [
              item.id,
              item.component,
              item.targetVersion,
              item.environment,
              item.state,
              String(item.currentWave),
              `${hosts.filter((host) => host.state === 'succeeded').length}/${hosts.length}`,
              item.createdAt,
            ];
          }),
        ),
      );
    });

  rollout
    .command('show <id>')
    .description('one rollout: waves, hosts, approvals')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const client = await fleetClientFor(env);
      const found = await client.get<RolloutRecord>(`/api/rollouts/${rolloutId(id)}`);
      printResult(ctx.out, options.json === true, found, () => rolloutText(found));
    });

  for (const decision of ['approve', 'reject'] as const) {
    rollout
      .command(`${decision} <id>`)
      .description(
        decision === 'approve'
          ? 'approve a rollout or one wave (approver)'
          : 'reject a rollout: it is aborted (approver)',
      )
      .option('--comment <text>', 'why', '')
      .option('--wave <index>', 'the wave that awaits approval')
      .option('--json', 'print JSON')
      .action(async (id: string, options: { comment: string; wave?: string; json?: boolean }) => {
        const client = await fleetClientFor(env);
        const result = await client.post<RolloutRecord>(`/api/rollouts/${rolloutId(id)}/${decision}`, {
          comment: options.comment,
          ...(options.wave === undefined ? {} : { wave: integer(options.wave, '--wave') }),
        });
        printResult(ctx.out, options.json === true, result, () => rolloutText(result));
      });
  }

  const actions = [
    ['submit', 'submit a draft: it awaits approval when its plan needs it, else it is scheduled'],
    ['pause', 'stop dispatching until resumed'],
    ['resume', 'carry on (a tripped wave continues, its failures accepted)'],
    ['retry-failed', 'send failed, rolled-back and reverted hosts again'],
  ] as const;
  for (const [action, description] of actions) {
    rollout
      .command(`${action} <id>`)
      .description(description)
      .option('--json', 'print JSON')
      .action(async (id: string, options: { json?: boolean }) => {
        const client = await fleetClientFor(env);
        const result = await client.post<RolloutRecord>(`/api/rollouts/${rolloutId(id)}/${action}`, {});
        printResult(ctx.out, options.json === true, result, () => rolloutText(result));
      });
  }

  rollout
    .command('abort <id>')
    .description('stop dispatching for good')
    .option('--rollback', 'roll back the hosts this rollout upgraded')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { rollback?: boolean; json?: boolean }) => {
      const client = await fleetClientFor(env);
      const result = await client.post<RolloutRecord>(`/api/rollouts/${rolloutId(id)}/abort`, {
        ...(options.rollback === true ? { rollback: true } : {}),
      });
      printResult(ctx.out, options.json === true, result, () => rolloutText(result));
    });
}
