// The baseline: the same upgrade done the way operators do it today with Ansible
// (Debian's `ansible`): an inventory with one host per host folder on a local
// connection, a play in `serial` waves that stops at the first failed host
// (max_fail_percentage: 0), and per host get_url with the published checksum,
// unarchive, copy into place (with a backup), a restart through the same service
// control the agent uses (service-ctl), and a `uri` health check with retries.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_COMPONENT, SERVICE_CTL } from '../../test/support/agent/demo-host.ts';
import { toYaml } from '../../test/support/agent/yaml-text.ts';

export interface AnsibleHost {
  readonly name: string;
  readonly root: string;
  readonly port: number;
  /** The exporter's command-line arguments beyond the listen address (as the host's versions.yaml has them). */
  readonly extraArgs: readonly string[];
}

export interface AnsibleUpgrade {
  readonly version: string;
  /** Where get_url downloads the release archive. */
  readonly url: string;
  readonly sha256: string;
  /** Ansible's `serial`: wave sizes, e.g. [1, '25%', '100%']. */
  readonly serial: readonly (number | string)[];
  /** Parallel hosts within a wave. */
  readonly forks: number;
}

export interface AnsibleRun {
  readonly code: number | null;
  readonly wallSeconds: number;
  /** User + system seconds of ansible-playbook and every process it ran (bash `times`). */
  readonly cpuSeconds: number;
  /** PLAY RECAP per host: ok, changed, failed, unreachable... */
  readonly recap: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly output: string;
}

/** The inventory: one host per folder, `ansible_connection: local`, its paths and port as host vars. */
export function ansibleInventory(hosts: readonly AnsibleHost[]): string {
  return toYaml({
    all: {
      vars: {
        ansible_connection: 'local',
        ansible_python_interpreter: '/usr/bin/python3',
        node: process.execPath,
        service_ctl: SERVICE_CTL,
      },
      children: {
        fleet: {
          hosts: Object.fromEntries(
            hosts.map((host) => [
              host.name,
              {
                host_root: host.root,
                exporter_port: host.port,
                exporter_args: [
                  `--web.listen-address=127.0.0.1:${String(host.port)}`,
                  ...host.extraArgs,
                ].join(' '),
              },
            ]),
          ),
        },
      },
    },
  });
}

/** The playbook: serial waves, stop at the first failure, the upgrade as five tasks per host. */
export function ansiblePlaybook(upgrade: AnsibleUpgrade): string {
  const folder = `demo_exporter-${upgrade.version}.linux-amd64`;
  const work = `{{ host_root }}/var/cache/ansible/${upgrade.version}`;
  const pidFile = `{{ host_root }}/run/${DEMO_COMPONENT}.pid`;
  return toYaml([
    {
      name: `upgrade ${DEMO_COMPONENT} to ${upgrade.version}`,
      hosts: 'fleet',
      gather_facts: false,
      serial: [...upgrade.serial],
      max_fail_percentage: 0,
      tasks: [
        { name: 'work folder', file: { path: work, state: 'directory', mode: '0755' } },
        {
          name: 'download the release archive',
          get_url: {
            url: upgrade.url,
            dest: `${work}/${folder}.tar.gz`,
            checksum: `sha256:${upgrade.sha256}`,
            mode: '0644',
          },
        },
        {
          name: 'unpack it',
          unarchive: { src: `${work}/${folder}.tar.gz`, dest: work, remote_src: true },
        },
        {
          name: 'install the binary',
          copy: {
            src: `${work}/${folder}/${DEMO_COMPONENT}`,
            dest: `{{ host_root }}/usr/local/bin/${DEMO_COMPONENT}`,
            remote_src: true,
            mode: '0755',
            backup: true,
          },
          register: 'binary',
        },
        {
          name: `restart ${DEMO_COMPONENT}`,
          when: 'binary.changed',
          command: {
            argv: [
              '/bin/sh',
              '-c',
              `"$0" "$1" stop "$2" && exec "$0" "$1" start "$2" "$3" $4`,
              '{{ node }}',
              '{{ service_ctl }}',
              pidFile,
              `{{ host_root }}/usr/local/bin/${DEMO_COMPONENT}`,
              '{{ exporter_args }}',
            ],
          },
        },
        {
          name: 'health check',
          uri: {
            url: 'http://127.0.0.1:{{ exporter_port }}/metrics',
            status_code: 200,
            return_content: true,
          },
          register: 'health',
          until: `health.status == 200 and 'version="${upgrade.version}"' in health.content`,
          retries: 4,
          delay: 1,
        },
      ],
    },
  ]);
}

function recapOf(output: string): Record<string, Record<string, number>> {
  const recap: Record<string, Record<string, number>> = {};
  const at = output.lastIndexOf('PLAY RECAP');
  if (at < 0) return recap;
  for (const line of output.slice(at).split('\n').slice(1)) {
    const match = /^(\S+)\s+:\s+(.*)$/.exec(line.trim());
    if (match === null) continue;
    const counts: Record<string, number> = {};
    for (const pair of (match[2] ?? '').trim().split(/\s+/)) {
      const [key, value] = pair.split('=');
      if (key !== undefined && value !== undefined) counts[key] = Number(value);
    }
    recap[match[1] ?? ''] = counts;
  }
  return recap;
}

/** Writes inventory and playbook into `dir` and runs ansible-playbook, timing it and its CPU. */
export async function runAnsible(
  dir: string,
  hosts: readonly AnsibleHost[],
  upgrade: AnsibleUpgrade,
): Promise<AnsibleRun> {
  mkdirSync(dir, { recursive: true });
  const inventory = join(dir, 'inventory.yml');
  const playbook = join(dir, `upgrade-${upgrade.version}.yml`);
  writeFileSync(inventory, ansibleInventory(hosts));
  writeFileSync(playbook, ansiblePlaybook(upgrade));
  const started = performance.now();
  // bash's `times` prints the user and system time of every child it waited for,
  // which includes all the processes ansible-playbook reaped (its forks, the modules).
  const script = 'ansible-playbook -i "$1" -f "$2" "$3"; code=$?; times >&2; exit $code';
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script, 'bash', inventory, String(upgrade.forks), playbook], {
      cwd: dir,
      env: {
        ...process.env,
        ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'),
        ANSIBLE_REMOTE_TEMP: join(dir, 'tmp'),
        ANSIBLE_NOCOLOR: '1',
        ANSIBLE_RETRY_FILES_ENABLED: '0',
        ANSIBLE_HOST_KEY_CHECKING: '0',
        ANSIBLE_DEPRECATION_WARNINGS: '0',
        ANSIBLE_CONFIG: join(dir, 'none.cfg'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - started) / 1000;
      // `times`: shell line, then children line "XmY.YYYs XmY.YYYs".
      const lines = stderr.trim().split('\n');
      const childrenLine = lines[lines.length - 1] ?? '';
      const seconds = [...childrenLine.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
        (sum, m) => sum + Number(m[1]) * 60 + Number(m[2]),
        0,
      );
      resolve({ code, wallSeconds, cpuSeconds: seconds, recap: recapOf(stdout), output: stdout + stderr });
    });
  });
}
