import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { CONFIG, PRISMA } from '../common/tokens.ts';
import type { AppConfig } from '../config/app-config.ts';
import type { PrismaClient } from '../database/prisma-client.ts';
import { ROLLOUT_GUARDS, type RolloutGuard } from '../rollouts/rollout-guard.ts';
import { MaintenanceWindowGuard } from './maintenance-window.guard.ts';
import { OrderGuard } from './order.guard.ts';
import { PrometheusGateGuard } from './prometheus-gate.guard.ts';
import { PrometheusRepository, type PrometheusPort } from './prometheus.repository.ts';
import { PROMETHEUS, ROLLOUT_FACTS, type RolloutFactsPort } from './rollout-facts.ts';
import { RolloutFactsRepository } from './rollout-facts.repository.ts';

/** The guards in the order the driver asks them: cheapest first, the Prometheus queries last. */
export function rolloutGuards(
  config: AppConfig,
  facts: RolloutFactsPort,
  prometheus: PrometheusPort | null,
): RolloutGuard[] {
  return [
    new OrderGuard(facts),
    new MaintenanceWindowGuard(config.policy?.config ?? null, facts),
    new PrometheusGateGuard(facts, prometheus),
  ];
}

/**
 * Provides `ROLLOUT_GUARDS` (order, maintenance window, Prometheus gate) to the rollout driver.
 * `ports` are the app's port providers (config, Prisma, ...), shared as values like NotificationsModule.
 */
@Module({})
export class RolloutGuardsModule {
  static forRoot(ports: readonly Provider[]): DynamicModule {
    return {
      module: RolloutGuardsModule,
      providers: [
        ...ports,
        {
          provide: ROLLOUT_FACTS,
          useFactory: (prisma: PrismaClient) => new RolloutFactsRepository(prisma),
          inject: [PRISMA],
        },
        {
          provide: PROMETHEUS,
          useFactory: (config: AppConfig): PrometheusPort | null =>
            config.prometheus === null
              ? null
              : new PrometheusRepository(config.prometheus.url, config.prometheus.timeoutMs),
          inject: [CONFIG],
        },
        {
          provide: ROLLOUT_GUARDS,
          useFactory: (config: AppConfig, facts: RolloutFactsPort, prometheus: PrometheusPort | null) =>
            rolloutGuards(config, facts, prometheus),
          inject: [CONFIG, ROLLOUT_FACTS, PROMETHEUS],
        },
      ],
      exports: [ROLLOUT_GUARDS],
    };
  }
}
