import { randomUUID } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { Controller, Inject, UseFilters } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { Logger } from 'pino';
import { UpkeepError } from '@upkeep/errors';
import { CLOCK, LOGGER } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import {
  AgentGatewayServiceControllerMethods,
  type AgentGatewayServiceController,
} from '../generated/proto/upkeep/agent/v1/agent_gateway_service.ts';
import type { EnrollRequest, EnrollResponse } from '../generated/proto/upkeep/agent/v1/enrollment.ts';
import {
  JobOutcome,
  StepStatus,
  type AcknowledgeAssignmentRequest,
  type AcknowledgeAssignmentResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type ReportInventoryRequest,
  type ReportInventoryResponse,
  type ReportResultRequest,
  type ReportResultResponse,
  type ReportStepRequest,
  type ReportStepResponse,
} from '../generated/proto/upkeep/agent/v1/reports.ts';
import type { SessionRequest, SessionResponse } from '../generated/proto/upkeep/agent/v1/session.ts';
import { EnrollmentService } from '../enrollment/enrollment.service.ts';
import { HostRepository } from '../hosts/host.repository.ts';
import { JobRepository } from '../jobs/job.repository.ts';
import { AssignmentDispatcher } from '../jobs/assignment-dispatcher.ts';
import type { JobOutcome as Outcome, JobStepView } from '../jobs/job.ts';
import { AgentAuthenticator } from './agent-authenticator.ts';
import { GrpcExceptionFilter } from './grpc-exception.filter.ts';
import { peerCertificateFingerprint, requireDeadline, type GrpcCallInfo } from './grpc-call.ts';
import { SessionRegistry } from './session-registry.ts';
import { UpkeepMetrics } from '../metrics/upkeep-metrics.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function requireJobId(jobId: string): string {
  if (!UUID.test(jobId)) throw new UpkeepError('INPUT_INVALID', `job_id "${jobId}" is not a UUID`);
  return jobId;
}

function stepStatusOf(status: StepStatus): JobStepView['status'] {
  switch (status) {
    case StepStatus.STEP_STATUS_STARTED:
      return 'started';
    case StepStatus.STEP_STATUS_SUCCEEDED:
      return 'succeeded';
    case StepStatus.STEP_STATUS_FAILED:
      return 'failed';
    case StepStatus.STEP_STATUS_SKIPPED:
      return 'skipped';
    case StepStatus.STEP_STATUS_UNSPECIFIED:
    case StepStatus.UNRECOGNIZED:
      throw new UpkeepError(
        'INPUT_INVALID',
        `step status ${String(status)} is not one of started, succeeded, failed, skipped`,
      );
  }
}

function outcomeOf(outcome: JobOutcome): Outcome {
  switch (outcome) {
    case JobOutcome.JOB_OUTCOME_SUCCEEDED:
      return 'succeeded';
    case JobOutcome.JOB_OUTCOME_FAILED:
      return 'failed';
    case JobOutcome.JOB_OUTCOME_REFUSED:
      return 'refused';
    case JobOutcome.JOB_OUTCOME_UNSPECIFIED:
    case JobOutcome.UNRECOGNIZED:
      throw new UpkeepError(
        'INPUT_INVALID',
        `outcome ${String(outcome)} is not one of succeeded, failed, refused`,
      );
  }
}

function parseDetails(json: string): Record<string, unknown> {
  if (json === '') return {};
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // falls through
  }
  throw new UpkeepError('INPUT_INVALID', 'details_json is not a JSON object');
}

/**
 * The agent gateway: authenticates, validates and hands over. It implements
 * the interface generated from proto/, so a contract change fails to compile here.
 */
@Controller()
@UseFilters(GrpcExceptionFilter)
@AgentGatewayServiceControllerMethods()
export class AgentGatewayController implements AgentGatewayServiceController {
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly auth: AgentAuthenticator;
  private readonly enrollment: EnrollmentService;
  private readonly hosts: HostRepository;
  private readonly jobs: JobRepository;
  private readonly registry: SessionRegistry;
  private readonly dispatcher: AssignmentDispatcher;
  private readonly metrics: UpkeepMetrics;

  constructor(
    @Inject(LOGGER) logger: Logger,
    @Inject(CLOCK) clock: Clock,
    @Inject(AgentAuthenticator) auth: AgentAuthenticator,
    @Inject(EnrollmentService) enrollment: EnrollmentService,
    @Inject(HostRepository) hosts: HostRepository,
    @Inject(JobRepository) jobs: JobRepository,
    @Inject(SessionRegistry) registry: SessionRegistry,
    @Inject(AssignmentDispatcher) dispatcher: AssignmentDispatcher,
    @Inject(UpkeepMetrics) metrics: UpkeepMetrics,
  ) {
    this.metrics = metrics;
    this.logger = logger;
    this.clock = clock;
    this.auth = auth;
    this.enrollment = enrollment;
    this.hosts = hosts;
    this.jobs = jobs;
    this.registry = registry;
    this.dispatcher = dispatcher;
  }

  async enroll(request: EnrollRequest, _metadata?: Metadata, call?: GrpcCallInfo): Promise<EnrollResponse> {
    requireDeadline(call);
    return this.enrollment.enroll({
      token: request.token,
      hostname: request.hostname,
      os: request.os,
      arch: request.arch,
      agentVersion: request.agentVersion,
      labels: request.labels,
      certFingerprint: peerCertificateFingerprint(call),
    });
  }

  session(request: SessionRequest, metadata?: Metadata, call?: GrpcCallInfo): Observable<SessionResponse> {
    return new Observable<SessionResponse>((subscriber) => {
      let unregister: (() => void) | undefined;
      // Set by the teardown, which may run while authentication is still pending.
      const state = { closed: false };
      const sessionId = randomUUID();
      void (async () => {
        const agent = await this.auth.authenticate(metadata, call);
        if (state.closed) return;
        unregister = this.registry.add(agent.hostId, {
          id: sessionId,
          send: (event) => {
            subscriber.next(event);
          },
          close: () => {
            subscriber.complete();
          },
          fail: (error) => {
            subscriber.error(error);
          },
        });
        this.logger.info(
          { hostId: agent.hostId, sessionId, lastSequence: request.lastSequence },
          'agent session opened',
        );
        subscriber.next({
          event: {
            $case: 'opened',
            value: { agentId: agent.hostId, serverTimeMs: this.clock.now().getTime() },
          },
        });
        await this.hosts.touch(agent.hostId, request.agentVersion);
        await this.dispatcher.deliverTo(agent.hostId);
      })().catch((error: unknown) => {
        subscriber.error(error);
      });
      return () => {
        state.closed = true;
        unregister?.();
        this.logger.info({ sessionId }, 'agent session closed');
      };
    });
  }

  async heartbeat(
    request: HeartbeatRequest,
    metadata?: Metadata,
    call?: GrpcCallInfo,
  ): Promise<HeartbeatResponse> {
    const agent = await this.auth.authenticate(metadata, call);
    await this.hosts.touch(agent.hostId, request.agentVersion);
    return { serverTimeMs: this.clock.now().getTime() };
  }

  async reportInventory(
    request: ReportInventoryRequest,
    metadata?: Metadata,
    call?: GrpcCallInfo,
  ): Promise<ReportInventoryResponse> {
    const agent = await this.auth.authenticate(metadata, call);
    if (request.components.length > 1000) {
      throw new UpkeepError(
        'INPUT_TOO_LARGE',
        `inventory has ${request.components.length} components; at most 1000`,
      );
    }
    const names = new Set<string>();
    const items = request.components.map((component) => {
      if (component.name === '' || component.version === '' || !SHA256_HEX.test(component.sha256)) {
        throw new UpkeepError(
          'INPUT_INVALID',
          `inventory entry "${component.name}" needs a name, a version and a hex sha256`,
        );
      }
      if (names.has(component.name))
        throw new UpkeepError('INPUT_INVALID', `inventory lists ${component.name} twice`);
      names.add(component.name);
      return {
        name: component.name,
        version: component.version,
        binaryPath: component.binaryPath,
        sha256: component.sha256,
        installedAt: component.installedAtMs > 0 ? new Date(component.installedAtMs) : null,
        rollbackPoints: component.rollbackPoints,
      };
    });
    return { stored: await this.hosts.replaceInventory(agent.hostId, items) };
  }

  async acknowledgeAssignment(
    request: AcknowledgeAssignmentRequest,
    metadata?: Metadata,
    call?: GrpcCallInfo,
  ): Promise<AcknowledgeAssignmentResponse> {
    const agent = await this.auth.authenticate(metadata, call);
    const duplicate = await this.jobs.acknowledge(
      requireJobId(request.jobId),
      agent.hostId,
      request.accepted,
      request.reason,
    );
    if (!request.accepted)
      this.logger.warn(
        { hostId: agent.hostId, jobId: request.jobId, reason: request.reason },
        'agent refused an assignment',
      );
    return { duplicate };
  }

  async reportStep(
    request: ReportStepRequest,
    metadata?: Metadata,
    call?: GrpcCallInfo,
  ): Promise<ReportStepResponse> {
    const agent = await this.auth.authenticate(metadata, call);
    const duplicate = await this.jobs.recordStep(
      agent.hostId,
      requireJobId(request.jobId),
      {
        index: request.stepIndex,
        name: request.name,
        status: stepStatusOf(request.status),
        message: request.message,
        occurredAt: new Date(
          request.occurredAtMs > 0 ? request.occurredAtMs : this.clock.now().getTime(),
        ).toISOString(),
      },
      randomUUID(),
    );
    return { duplicate };
  }

  async reportResult(
    request: ReportResultRequest,
    metadata?: Metadata,
    call?: GrpcCallInfo,
  ): Promise<ReportResultResponse> {
    const agent = await this.auth.authenticate(metadata, call);
    const jobId = requireJobId(request.jobId);
    const outcome = outcomeOf(request.outcome);
    const details = parseDetails(request.detailsJson);
    const duplicate = await this.jobs.recordResult(
      agent.hostId,
      jobId,
      outcome,
      request.message,
      details,
      new Date(request.finishedAtMs > 0 ? request.finishedAtMs : this.clock.now().getTime()),
    );
    if (!duplicate) await this.metrics.recordJobResult(jobId, outcome, details);
    this.logger.info({ hostId: agent.hostId, jobId: request.jobId, duplicate }, 'job result received');
    return { duplicate };
  }
}
