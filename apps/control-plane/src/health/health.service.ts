import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '../common/tokens.ts';
import type { AppConfig } from '../config/app-config.ts';
import { HealthRepository } from './health.repository.ts';

export interface Readiness {
  readonly status: 'ready' | 'not-ready';
  readonly checks: Readonly<Record<'postgres' | 'redis' | 'migrations', string>>;
}

const CHECK_TIMEOUT_MS = 2000;

async function check(probe: () => Promise<string>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      probe(),
      new Promise<string>((resolve) => {
        timer = setTimeout(() => {
          resolve(`timed out after ${CHECK_TIMEOUT_MS} ms`);
        }, CHECK_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    return `failed: ${(error as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

@Injectable()
export class HealthService {
  private readonly config: AppConfig;
  private readonly repository: HealthRepository;

  constructor(@Inject(CONFIG) config: AppConfig, @Inject(HealthRepository) repository: HealthRepository) {
    this.config = config;
    this.repository = repository;
  }

  async readiness(): Promise<Readiness> {
    const [postgres, redis, migrations] = await Promise.all([
      check(async () => {
        await this.repository.pingPostgres();
        return 'ok';
      }),
      check(async () => {
        await this.repository.pingRedis();
        return 'ok';
      }),
      check(async () => {
        const pending = await this.repository.unappliedMigrations(this.config.migrationsDir);
        return pending.length === 0 ? 'ok' : `pending: ${pending.join(', ')}`;
      }),
    ]);
    const checks = { postgres, redis, migrations };
    return { status: Object.values(checks).every((value) => value === 'ok') ? 'ready' : 'not-ready', checks };
  }
}
