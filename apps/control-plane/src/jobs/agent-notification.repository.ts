import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { CONFIG, REDIS } from '../common/tokens.ts';
import type { AppConfig } from '../config/app-config.ts';

export interface AgentNotificationHandlers {
  /** Work may be waiting for this host: send it if its session is here. */
  deliver(hostId: string): void;
  /** The host was revoked: end its sessions here. */
  revoke(hostId: string): void;
}

/** Redis pub/sub between replicas: which host to serve, which host to cut off. */
@Injectable()
export class AgentNotificationRepository implements OnApplicationShutdown {
  private readonly config: AppConfig;
  private readonly redis: Redis;
  private subscriber: Redis | undefined;

  constructor(@Inject(CONFIG) config: AppConfig, @Inject(REDIS) redis: Redis) {
    this.config = config;
    this.redis = redis;
  }

  private get deliverChannel(): string {
    return `${this.config.queuePrefix}:agent-dispatch`;
  }

  private get revokeChannel(): string {
    return `${this.config.queuePrefix}:agent-revoke`;
  }

  async subscribe(handlers: AgentNotificationHandlers): Promise<void> {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, hostId: string) => {
      if (channel === this.revokeChannel) handlers.revoke(hostId);
      else handlers.deliver(hostId);
    });
    await subscriber.subscribe(this.deliverChannel, this.revokeChannel);
  }

  async publishDeliver(hostId: string): Promise<void> {
    await this.redis.publish(this.deliverChannel, hostId);
  }

  async publishRevoke(hostId: string): Promise<void> {
    await this.redis.publish(this.revokeChannel, hostId);
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }
}
