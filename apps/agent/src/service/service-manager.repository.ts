import { UpkeepError } from '@upkeep/errors';
import { describeResult, type ProcessResult, type ProcessRunner } from './process-runner.port.ts';
import type { ServiceManager, ServiceManagerConfig } from './service-manager.port.ts';

function failed(
  service: string,
  action: string,
  argv: readonly string[],
  result: ProcessResult,
  hint: string,
): UpkeepError {
  return new UpkeepError(
    'SERVICE_FAILED',
    `${action} ${service} failed (${argv.join(' ')}): ${describeResult(result)}`,
    {
      details: {
        service,
        action,
        argv,
        exitCode: result.exitCode,
        signal: result.signal,
        stdout: result.stdout.slice(-4000),
        stderr: result.stderr.slice(-4000),
        timedOut: result.timedOut,
      },
      hint,
    },
  );
}

const ok = (result: ProcessResult): boolean => result.exitCode === 0;

class SystemdServiceManager implements ServiceManager {
  readonly kind = 'systemd';
  readonly #name: string;
  readonly #systemctl: readonly string[];
  readonly #timeoutMs: number;
  readonly #run: ProcessRunner;

  constructor(config: Extract<ServiceManagerConfig, { kind: 'systemd' }>, run: ProcessRunner) {
    this.#name = config.serviceName;
    this.#systemctl = config.systemctl ?? ['systemctl'];
    this.#timeoutMs = config.timeoutMs ?? 90_000;
    this.#run = run;
  }

  async #call(action: string, args: readonly string[]): Promise<void> {
    const argv = [...this.#systemctl, ...args];
    const result = await this.#run(argv, { timeoutMs: this.#timeoutMs });
    if (!ok(result)) {
      throw failed(
        this.#name,
        action,
        argv,
        result,
        `see: journalctl -u ${this.#name} -n 50; systemctl status ${this.#name}`,
      );
    }
  }

  start(): Promise<void> {
    return this.#call('start', ['start', this.#name]);
  }

  stop(): Promise<void> {
    return this.#call('stop', ['stop', this.#name]);
  }

  async isActive(): Promise<boolean> {
    const result = await this.#run([...this.#systemctl, 'is-active', '--quiet', this.#name], {
      timeoutMs: this.#timeoutMs,
    });
    return ok(result);
  }

  unitChanged(): Promise<void> {
    return this.#call('daemon-reload for', ['daemon-reload']);
  }
}

class CommandServiceManager implements ServiceManager {
  readonly kind = 'command';
  readonly #config: Extract<ServiceManagerConfig, { kind: 'command' }>;
  readonly #run: ProcessRunner;

  constructor(config: Extract<ServiceManagerConfig, { kind: 'command' }>, run: ProcessRunner) {
    this.#config = config;
    this.#run = run;
  }

  async #call(action: 'start' | 'stop', argv: readonly string[]): Promise<void> {
    const result = await this.#run(argv, { timeoutMs: this.#config.timeoutMs ?? 90_000 });
    if (!ok(result)) {
      throw failed(
        this.#config.name,
        action,
        argv,
        result,
        `check install.${action}_command for ${this.#config.name} and its output above`,
      );
    }
  }

  start(): Promise<void> {
    return this.#call('start', this.#config.start);
  }

  stop(): Promise<void> {
    return this.#call('stop', this.#config.stop);
  }

  async isActive(): Promise<boolean> {
    if (this.#config.status === undefined) return true;
    return ok(await this.#run(this.#config.status, { timeoutMs: this.#config.timeoutMs ?? 90_000 }));
  }

  unitChanged(): Promise<void> {
    return Promise.resolve();
  }
}

class NoServiceManager implements ServiceManager {
  readonly kind = 'none';
  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  isActive(): Promise<boolean> {
    return Promise.resolve(true);
  }
  unitChanged(): Promise<void> {
    return Promise.resolve();
  }
}

/** The service manager for one component's `install.service_manager`. */
export function createServiceManager(config: ServiceManagerConfig, run: ProcessRunner): ServiceManager {
  switch (config.kind) {
    case 'systemd':
      return new SystemdServiceManager(config, run);
    case 'command':
      if (config.start.length === 0 || config.stop.length === 0) {
        throw new UpkeepError(
          'CONFIG_INVALID',
          `service ${config.name}: the command manager needs start and stop commands`,
          {
            hint: 'set install.start_command and install.stop_command as argv lists',
          },
        );
      }
      return new CommandServiceManager(config, run);
    case 'none':
      return new NoServiceManager();
  }
}
