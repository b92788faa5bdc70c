import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessage, generateKey, readPrivateKey, sign } from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { verifyDetachedSignature } from './detached-signature.ts';

let dir: string;
let publisher: { publicKey: string; privateKey: string };
let stranger: { publicKey: string; privateKey: string };
const ARTIFACT = Buffer.alloc(2 * 1024 * 1024, 7);

async function detach(privateKey: string, data: Buffer, armored: boolean): Promise<string | Uint8Array> {
  const signingKeys = await readPrivateKey({ armoredKey: privateKey });
  const message = await createMessage({ binary: new Uint8Array(data) });
  const signed: unknown = armored
    ? await sign({ message, signingKeys, detached: true, format: 'armored' })
    : await sign({ message, signingKeys, detached: true, format: 'binary' });
  if (typeof signed === 'string' || signed instanceof Uint8Array) return signed;
  throw new Error('openpgp returned neither text nor bytes');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'upkeep-sig-'));
  publisher = await generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: 'Publisher' }],
    format: 'armored',
  });
  stranger = await generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: 'Stranger' }],
    format: 'armored',
  });
  writeFileSync(join(dir, 'artifact.tar.gz'), ARTIFACT);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isUpkeepError(error) ? error.code : `other: ${String(error)}`;
  }
  return 'none';
}

describe('verifyDetachedSignature', () => {
  it('accepts an armored or binary detached signature by a pinned key', async () => {
    writeFileSync(join(dir, 'a.asc'), await detach(publisher.privateKey, ARTIFACT, true));
    writeFileSync(join(dir, 'a.sig'), await detach(publisher.privateKey, ARTIFACT, false));
    for (const sig of ['a.asc', 'a.sig']) {
      const outcome = await verifyDetachedSignature({
        artifactPath: join(dir, 'artifact.tar.gz'),
        signaturePath: join(dir, sig),
        armoredPublicKeys: [stranger.publicKey, publisher.publicKey],
      });
      expect(outcome.fingerprint).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it('refuses a signature by a key that is not pinned', async () => {
    writeFileSync(join(dir, 'b.asc'), await detach(stranger.privateKey, ARTIFACT, true));
    expect(
      await codeOf(
        verifyDetachedSignature({
          artifactPath: join(dir, 'artifact.tar.gz'),
          signaturePath: join(dir, 'b.asc'),
          armoredPublicKeys: [publisher.publicKey],
        }),
      ),
    ).toBe('SIGNATURE_INVALID');
  });

  it('refuses an artifact changed after signing', async () => {
    const changed = Buffer.from(ARTIFACT);
    changed[1_000_000] = 8;
    writeFileSync(join(dir, 'changed.tar.gz'), changed);
    writeFileSync(join(dir, 'c.asc'), await detach(publisher.privateKey, ARTIFACT, true));
    expect(
      await codeOf(
        verifyDetachedSignature({
          artifactPath: join(dir, 'changed.tar.gz'),
          signaturePath: join(dir, 'c.asc'),
          armoredPublicKeys: [publisher.publicKey],
        }),
      ),
    ).toBe('SIGNATURE_INVALID');
  });

  it('says which setting is wrong for a garbage signature or key', async () => {
    writeFileSync(join(dir, 'junk.asc'), 'not a signature');
    expect(
      await codeOf(
        verifyDetachedSignature({
          artifactPath: join(dir, 'artifact.tar.gz'),
          signaturePath: join(dir, 'junk.asc'),
          armoredPublicKeys: [publisher.publicKey],
        }),
      ),
    ).toBe('SIGNATURE_INVALID');
    expect(
      await codeOf(
        verifyDetachedSignature({
          artifactPath: join(dir, 'artifact.tar.gz'),
          signaturePath: join(dir, 'a.asc'),
          armoredPublicKeys: [
            '-----BEGIN PGP PUBLIC KEY BLOCK-----\nnope\n-----END PGP PUBLIC KEY BLOCK-----',
          ],
        }),
      ),
    ).toBe('CONFIG_INVALID');
    expect(
      await codeOf(
        verifyDetachedSignature({
          artifactPath: join(dir, 'artifact.tar.gz'),
          signaturePath: join(dir, 'a.asc'),
          armoredPublicKeys: [],
        }),
      ),
    ).toBe('CONFIG_INVALID');
  });
});
