import { chmod, lstat, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UpkeepError } from '@upkeep/errors';

/** What `upkeep login` stores: the control plane's URL and an API token. */
export interface FleetCredentials {
  readonly server: string;
  readonly token: string;
}

const MAX_BYTES = 64 * 1024;

/** The credentials file: written 0600 (directory 0700), and refused when group or others may read it. */
export class CredentialsRepository {
  private readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  get location(): string {
    return this.path;
  }

  async save(credentials: FleetCredentials): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(credentials, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      // The mode given to open is masked by umask; set it outright before the file takes its name.
      await chmod(temporary, 0o600);
      await rename(temporary, this.path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async load(): Promise<FleetCredentials> {
    let info;
    try {
      info = await lstat(this.path);
    } catch {
      throw new UpkeepError('UNAUTHENTICATED', `not logged in: ${this.path} does not exist`, {
        hint: 'run upkeep login --server URL (the token is read from --token-file or standard input)',
      });
    }
    if (!info.isFile()) {
      throw new UpkeepError('INPUT_INVALID', `${this.path} is not a regular file`, {
        details: { path: this.path },
      });
    }
    if ((info.mode & 0o077) !== 0) {
      const mode = `0${(info.mode & 0o777).toString(8)}`;
      throw new UpkeepError(
        'SECRET_FILE_INSECURE',
        `${this.path} has mode ${mode}, which lets group or others read it; refusing to use the token in it`,
        { details: { path: this.path, mode }, hint: `run chmod 600 ${this.path}, or upkeep login again` },
      );
    }
    if (info.size > MAX_BYTES) {
      throw new UpkeepError(
        'INPUT_TOO_LARGE',
        `${this.path} is ${info.size} bytes; credentials are far smaller`,
      );
    }
    let data: unknown;
    try {
      data = JSON.parse(await readFile(this.path, 'utf8')) as unknown;
    } catch (cause) {
      throw new UpkeepError('INPUT_INVALID', `${this.path} is not valid JSON`, {
        cause,
        hint: 'run upkeep login again to rewrite it',
      });
    }
    const record = data as Partial<Record<'server' | 'token', unknown>> | null;
    if (typeof record?.server !== 'string' || typeof record.token !== 'string') {
      throw new UpkeepError('INPUT_INVALID', `${this.path} does not hold a server and a token`, {
        hint: 'run upkeep login again to rewrite it',
      });
    }
    return { server: record.server, token: record.token };
  }
}
