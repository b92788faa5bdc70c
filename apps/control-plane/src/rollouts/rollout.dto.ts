import { ApiProperty } from '@nestjs/swagger';

export class RolloutTargetDto {
  @ApiProperty({ type: String, required: false, example: '1.8.2', description: 'a version, or…' })
  version?: string;
  @ApiProperty({
    type: String,
    required: false,
    example: 'latest',
    description: '…a strategy (latest, pinned, lts, range, locked) resolved at creation and frozen',
  })
  strategy?: string;
}

export class RolloutSelectorDto {
  @ApiProperty({ type: [String], required: false, description: 'hosts in any of these groups' })
  groups?: string[];
  @ApiProperty({
    type: String,
    required: false,
    example: 'role=web, zone in (a,b), !canary',
    description: 'k=v, k!=v, k in (a,b), k notin (a,b), k, !k; comma = AND',
  })
  labels?: string;
}

export class RolloutWaveSettingsDto {
  @ApiProperty({ type: String, example: 'canary' }) name!: string;
  @ApiProperty({ type: String, example: '25%', description: 'cumulative hosts: a count ("1") or a percent' })
  size!: string;
  @ApiProperty({ type: Number, example: 5 }) maxParallel!: number;
  @ApiProperty({ type: Number, example: 300, description: 'hosts must stay healthy this long' })
  bakeSeconds!: number;
  @ApiProperty({
    type: String,
    example: '10%',
    description: 'failed hosts (count or percent) that trip onFailure',
  })
  failureThreshold!: string;
  @ApiProperty({
    type: Boolean,
    required: false,
    description: 'the wave waits for approval before it starts',
  })
  approval?: boolean;
}

export class RolloutOfflineDto {
  @ApiProperty({ type: Number, example: 600 }) deadlineSeconds!: number;
  @ApiProperty({ type: String, enum: ['failed', 'skipped'] }) countAs!: string;
}

export class RolloutGateDto {
  @ApiProperty({ type: String, example: 'up{job="node"}' }) query!: string;
  @ApiProperty({ type: String, example: '== 1' }) successCondition!: string;
  // `type: Object` stands in for the union (there is no emitted design type); oneOf describes it.
  @ApiProperty({
    type: Object,
    oneOf: [{ type: 'string' }, { type: 'number' }],
    example: '5m',
    description: 'seconds or a duration',
  })
  for!: string | number;
}

export class RolloutRequestDto {
  @ApiProperty({ type: String, example: 'node_exporter' }) component!: string;
  @ApiProperty({ type: String, example: 'production' }) environment!: string;
  @ApiProperty({ type: RolloutTargetDto }) target!: RolloutTargetDto;
  @ApiProperty({ type: RolloutSelectorDto }) selector!: RolloutSelectorDto;
  @ApiProperty({ type: [RolloutWaveSettingsDto], required: false }) waves?: RolloutWaveSettingsDto[];
  @ApiProperty({ type: String, enum: ['pause', 'abort'], required: false }) onFailure?: string;
  @ApiProperty({ type: Boolean, required: false }) revertWaveOnFailure?: boolean;
  @ApiProperty({ type: Boolean, required: false }) rollbackOnAbort?: boolean;
  @ApiProperty({ type: RolloutOfflineDto, required: false }) offline?: RolloutOfflineDto;
  @ApiProperty({ type: [String], required: false, description: 'rollout ids that must complete first' })
  waitsFor?: string[];
  @ApiProperty({ type: [RolloutGateDto], required: false }) gates?: RolloutGateDto[];
  @ApiProperty({
    type: Number,
    required: false,
    description: 'more approvals than policy asks (never fewer)',
  })
  requiredApprovals?: number;
}

export class RolloutCreateDto extends RolloutRequestDto {
  @ApiProperty({
    type: Boolean,
    required: false,
    description:
      'store the planned rollout in state draft: nothing is dispatched until POST /api/rollouts/{id}/submit',
  })
  draft?: boolean;
}

export class RolloutHostDto {
  @ApiProperty({ type: String, format: 'uuid' }) hostId!: string;
  @ApiProperty({ type: String }) hostname!: string;
  @ApiProperty({
    type: String,
    enum: [
      'pending',
      'waiting_offline',
      'dispatched',
      'succeeded',
      'failed',
      'rolled_back',
      'skipped',
      'reverted',
    ],
  })
  state!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) jobId!: string | null;
  @ApiProperty({ type: String }) message!: string;
  @ApiProperty({
    type: String,
    enum: ['skip', 'reject', 'auto', 'recommend', 'manual'],
    description: "the plan's decision for this host, frozen at creation",
  })
  decision!: string;
  @ApiProperty({ type: String, nullable: true, description: 'the version installed when planned' })
  fromVersion!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'low',
    description: "the policy decision's risk for this host, frozen at creation",
  })
  riskLevel!: string | null;
  @ApiProperty({ type: [String], description: "the policy decision's warnings, frozen at creation" })
  warnings!: string[];
}

export class RolloutWaveDto {
  @ApiProperty({ type: Number }) index!: number;
  @ApiProperty({ type: String }) name!: string;
  @ApiProperty({
    type: String,
    enum: ['pending', 'awaiting_approval', 'running', 'baking', 'completed', 'failed', 'reverted'],
  })
  state!: string;
  @ApiProperty({ type: String }) size!: string;
  @ApiProperty({ type: Number }) maxParallel!: number;
  @ApiProperty({ type: Number }) bakeSeconds!: number;
  @ApiProperty({ type: String }) failureThreshold!: string;
  @ApiProperty({ type: Boolean }) approval!: boolean;
  @ApiProperty({ type: [RolloutHostDto] }) hosts!: RolloutHostDto[];
}

export class RolloutApprovalDto {
  @ApiProperty({ type: String, description: 'API token id of the approver' }) actor!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "the approver's API token name, or null when the token no longer exists",
  })
  actorName!: string | null;
  @ApiProperty({ type: String, enum: ['approve', 'reject'] }) decision!: string;
  @ApiProperty({ type: String }) comment!: string;
  @ApiProperty({ type: String, format: 'date-time' }) at!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'the wave, or null for the whole rollout' })
  wave!: number | null;
}

export class RolloutDto {
  @ApiProperty({ type: String, format: 'uuid' }) id!: string;
  @ApiProperty({ type: String }) component!: string;
  @ApiProperty({ type: String }) environment!: string;
  @ApiProperty({ type: String }) targetVersion!: string;
  @ApiProperty({
    type: String,
    enum: ['draft', 'awaiting_approval', 'scheduled', 'running', 'paused', 'completed', 'aborted', 'failed'],
  })
  state!: string;
  @ApiProperty({ type: Number }) currentWave!: number;
  @ApiProperty({ type: String, nullable: true, description: 'why it is paused, held or stopped' })
  reason!: string | null;
  @ApiProperty({ type: String, description: "the creator's API token id (control-plane for the system)" })
  createdBy!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "the creator's API token name; null when unknown (the system, a deleted token)",
  })
  createdByName!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: Number }) requiredApprovals!: number;
  @ApiProperty({ type: Boolean, description: 'the creator may not approve it' })
  forbidSelfApproval!: boolean;
  @ApiProperty({ type: [RolloutApprovalDto] }) approvals!: RolloutApprovalDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'low',
    description:
      "the plan's risk, frozen at creation (what approvers approve); null on rollouts created before plans were frozen",
  })
  risk!: string | null;
  @ApiProperty({
    type: 'array',
    nullable: true,
    items: { type: 'object', additionalProperties: true },
    description: 'breaking changes ({ version, description }) the plan crossed, frozen at creation',
  })
  breakingChanges!: Record<string, unknown>[] | null;
  @ApiProperty({
    type: 'array',
    nullable: true,
    items: { type: 'object', additionalProperties: true },
    description: 'advisories ({ id, severity, summary }) known when planned, frozen at creation',
  })
  advisories!: Record<string, unknown>[] | null;
  @ApiProperty({ type: Number, nullable: true, description: "the plan's expected duration, frozen" })
  expectedDurationSeconds!: number | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the frozen settings' })
  settings!: Record<string, unknown>;
  @ApiProperty({ type: [RolloutWaveDto] }) waves!: RolloutWaveDto[];
}

export class RolloutPageDto {
  @ApiProperty({ type: [RolloutDto] }) items!: RolloutDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class RolloutHostPlanDto {
  @ApiProperty({ type: String, format: 'uuid' }) hostId!: string;
  @ApiProperty({ type: String }) hostname!: string;
  @ApiProperty({ type: [String] }) groups!: string[];
  @ApiProperty({ type: String }) os!: string;
  @ApiProperty({ type: String }) arch!: string;
  @ApiProperty({ type: String, nullable: true }) currentVersion!: string | null;
  @ApiProperty({ type: String, enum: ['skip', 'reject', 'auto', 'recommend', 'manual'] }) decision!: string;
  @ApiProperty({ type: String, nullable: true }) riskLevel!: string | null;
  @ApiProperty({ type: [String] }) warnings!: string[];
  @ApiProperty({ type: String, nullable: true }) message!: string | null;
}

export class RolloutWavePlanDto extends RolloutWaveSettingsDto {
  @ApiProperty({ type: Number }) index!: number;
  @ApiProperty({ type: [RolloutHostPlanDto] }) hosts!: RolloutHostPlanDto[];
  @ApiProperty({ type: Number }) expectedDurationSeconds!: number;
}

export class RolloutPlanDto {
  @ApiProperty({ type: String }) component!: string;
  @ApiProperty({ type: String }) environment!: string;
  @ApiProperty({ type: String }) targetVersion!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) settings!: Record<string, unknown>;
  @ApiProperty({ type: [RolloutWavePlanDto] }) waves!: RolloutWavePlanDto[];
  @ApiProperty({ type: String, example: 'low' }) risk!: string;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  breakingChanges!: Record<string, unknown>[];
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  advisories!: Record<string, unknown>[];
  @ApiProperty({ type: Number }) expectedDurationSeconds!: number;
  @ApiProperty({ type: Number }) requiredApprovals!: number;
  @ApiProperty({
    type: Boolean,
    description: 'approvals are asked before the start (else for the second wave, once the first is healthy)',
  })
  approvalBeforeStart!: boolean;
  @ApiProperty({ type: Boolean }) forbidSelfApproval!: boolean;
  @ApiProperty({
    type: Boolean,
    description: 'the approval policy requires the rollout to run inside maintenance windows',
  })
  maintenanceWindow!: boolean;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'rollouts this one waits for ({ rolloutId, component, state })',
  })
  order!: Record<string, unknown>[];
}

export class RolloutDecisionDto {
  @ApiProperty({ type: String, required: false }) comment?: string;
  @ApiProperty({ type: Number, required: false, description: 'approve one wave (per-wave approval)' })
  wave?: number;
}

export class RolloutAbortDto {
  @ApiProperty({ type: Boolean, required: false, description: 'roll back hosts this rollout upgraded' })
  rollback?: boolean;
}
