/** How the agent controls a component's service (`install.service_manager`). */
export interface ServiceManager {
  readonly kind: 'systemd' | 'command' | 'none';
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True when the service runs (for `none`: always true, there is nothing to run). */
  isActive(): Promise<boolean>;
  /** Tells the manager its unit definition changed on disk (systemd: daemon-reload). */
  unitChanged(): Promise<void>;
}

export type ServiceManagerConfig =
  | {
      readonly kind: 'systemd';
      readonly serviceName: string;
      /** The systemctl to run (default `systemctl`), as an argv prefix: `['systemctl', '--user']`. */
      readonly systemctl?: readonly string[] | undefined;
      readonly timeoutMs?: number | undefined;
    }
  | {
      readonly kind: 'command';
      readonly name: string;
      readonly start: readonly string[];
      readonly stop: readonly string[];
      /** Exit 0 means running; without it the service counts as running after a successful start. */
      readonly status?: readonly string[] | undefined;
      readonly timeoutMs?: number | undefined;
    }
  | { readonly kind: 'none' };
