import { UpkeepError } from '@upkeep/errors';

/**
 * `download.signature_key` as a file path to read, checked: it must be set when a signature is to be
 * verified, and it must not be a URL (keys are pinned, never fetched). The caller places the path
 * (under the agent's root, or against the folder of the control plane's versions.yaml).
 * @throws UpkeepError CONFIG_INVALID naming `components.<name>.download.signature_key`.
 */
export function pinnedKeyPath(component: string, key: string | null | undefined): string {
  const field = `components.${component}.download.signature_key`;
  if (key === null || key === undefined || key.trim() === '') {
    throw new UpkeepError('CONFIG_INVALID', `${field} is needed to verify signatures`, {
      details: { component, field },
      hint: 'set download.signature_key to the path of the armored public key that signs the releases',
    });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(key)) {
    throw new UpkeepError('CONFIG_INVALID', `${field} must be a file path, got a URL`, {
      details: { component, field, value: key },
      hint: 'download the key once, check its fingerprint, and point signature_key at the file (keys are pinned, not fetched)',
    });
  }
  return key;
}
