import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { UpkeepError } from '@upkeep/errors';
import {
  pinnedKeyPath,
  verifyDetachedSignature,
  type SignatureCheck,
  type SignatureOutcome,
} from '@upkeep/signatures';
import { CONFIG } from '../common/tokens.ts';
import type { AppConfig } from '../config/app-config.ts';

/**
 * The pinned keys of `download.signature_key` and the OpenPGP check (`@upkeep/signatures`, as the
 * agent runs it). A relative key path is read from the folder of the versions.yaml that
 * UPKEEP_POLICY_FILE names; a URL is refused: keys are pinned, never fetched.
 */
@Injectable()
export class ArtifactSignatureRepository {
  private readonly configDir: string | null;

  constructor(@Inject(CONFIG) config: AppConfig) {
    this.configDir = config.policy === null ? null : dirname(config.policy.path);
  }

  /** Where `download.signature_key` of `component` is read from. */
  keyPathOf(component: string, key: string | null): string {
    const path = pinnedKeyPath(component, key);
    return this.configDir === null ? resolve(path) : resolve(this.configDir, path);
  }

  /** @throws UpkeepError CONFIG_INVALID / CONFIG_NOT_FOUND naming the key and the file. */
  async readPinnedKeys(component: string, key: string | null): Promise<string[]> {
    const path = this.keyPathOf(component, key);
    const field = `components.${component}.download.signature_key`;
    try {
      return [await readFile(path, 'utf8')];
    } catch (cause) {
      const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
      throw new UpkeepError(
        missing ? 'CONFIG_NOT_FOUND' : 'CONFIG_INVALID',
        `${field} names ${path}, which cannot be read: ${(cause as Error).message}`,
        {
          details: { component, field, path },
          hint: 'put the armored public key there (a relative path is read from the folder of versions.yaml) and retry',
          cause,
        },
      );
    }
  }

  verify(check: SignatureCheck): Promise<SignatureOutcome> {
    return verifyDetachedSignature(check);
  }
}
