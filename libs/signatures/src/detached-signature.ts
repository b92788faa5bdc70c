import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { PublicKey, Signature } from 'openpgp';
import { UpkeepError } from '@upkeep/errors';

/** The detached signature file (armored `.asc` or binary `.sig`), on disk or already in memory. */
export type DetachedSignatureSource =
  | { readonly signaturePath: string }
  | {
      readonly signatureBytes: Uint8Array;
      /** What to call it in errors (the asset name or URL it came from). */
      readonly signatureName: string;
    };

export type SignatureCheck = DetachedSignatureSource & {
  readonly artifactPath: string;
  /** What to call the artifact in errors (`node_exporter 1.8.0 (node_exporter-….tar.gz)`); its path by default. */
  readonly artifactName?: string | undefined;
  /** The pinned public keys, armored; the signature must be made by one of them. */
  readonly armoredPublicKeys: readonly string[];
  /** Verification time (keys must be valid then); now by default. */
  readonly date?: Date | undefined;
};

export interface SignatureOutcome {
  readonly keyId: string;
  readonly fingerprint: string;
}

// openpgp is large: it is loaded only when a component has signature keys configured.
type OpenPgp = typeof import('openpgp');

async function readKeys(openpgp: OpenPgp, armored: readonly string[]): Promise<PublicKey[]> {
  if (armored.length === 0) {
    throw new UpkeepError('CONFIG_INVALID', 'signature verification is on but no public key is pinned', {
      hint: "add the publisher's armored public key to the component's signature keys",
    });
  }
  return Promise.all(
    armored.map(async (armoredKey, index) => {
      try {
        return await openpgp.readKey({ armoredKey });
      } catch (error) {
        throw new UpkeepError(
          'CONFIG_INVALID',
          `pinned public key #${String(index + 1)} cannot be read: ${(error as Error).message}`,
          {
            hint: 'paste the whole armored block, from -----BEGIN PGP PUBLIC KEY BLOCK----- to its END line',
            cause: error,
          },
        );
      }
    }),
  );
}

async function readDetached(openpgp: OpenPgp, source: DetachedSignatureSource): Promise<Signature> {
  const [bytes, name] =
    'signaturePath' in source
      ? [await readFile(source.signaturePath), source.signaturePath]
      : [Buffer.from(source.signatureBytes), source.signatureName];
  const text = bytes.toString('utf8');
  try {
    return text.includes('-----BEGIN PGP SIGNATURE-----')
      ? await openpgp.readSignature({ armoredSignature: text })
      : await openpgp.readSignature({ binarySignature: new Uint8Array(bytes) });
  } catch (error) {
    throw new UpkeepError(
      'SIGNATURE_INVALID',
      `signature file ${name} cannot be read: ${(error as Error).message}`,
      {
        details: { signature: name, reason: 'not an OpenPGP detached signature' },
        hint: 'the signature file is damaged or is not an OpenPGP detached signature',
        cause: error,
      },
    );
  }
}

/**
 * Verifies a detached OpenPGP signature of the artifact against the pinned keys
 * (openpgp.js). The artifact is streamed, so memory stays flat for large files.
 * @throws UpkeepError SIGNATURE_INVALID (details: `reason`, `signingKeyIds`, `pinnedFingerprints`),
 * CONFIG_INVALID when no key is pinned or a pinned key cannot be read.
 */
export async function verifyDetachedSignature(check: SignatureCheck): Promise<SignatureOutcome> {
  const openpgp = await import('openpgp');
  const keys = await readKeys(openpgp, check.armoredPublicKeys);
  const signature = await readDetached(openpgp, check);
  const web = Readable.toWeb(createReadStream(check.artifactPath)) as unknown as ReadableStream<Uint8Array>;
  const message = await openpgp.createMessage({ binary: web });
  const artifactName = check.artifactName ?? check.artifactPath;
  const invalid = (reason: string, cause?: unknown): UpkeepError =>
    new UpkeepError('SIGNATURE_INVALID', `signature of ${artifactName} is not valid: ${reason}`, {
      details: {
        artifact: artifactName,
        reason,
        signingKeyIds: signature.getSigningKeyIDs().map((id) => id.toHex()),
        pinnedFingerprints: keys.map((key) => key.getFingerprint()),
      },
      hint: 'the artifact was not signed by a pinned key, or was changed after signing; it was not installed',
      cause,
    });
  try {
    const result = await openpgp.verify({
      message,
      signature,
      verificationKeys: keys,
      format: 'binary',
      ...(check.date === undefined ? {} : { date: check.date }),
    });
    // The hash is computed as the data flows: read it all before asking.
    const reader = (result.data as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
    const reasons: string[] = [];
    for (const outcome of result.signatures) {
      try {
        await outcome.verified;
        const key = keys.find((candidate) => candidate.getKeys(outcome.keyID).length > 0);
        return { keyId: outcome.keyID.toHex(), fingerprint: key?.getFingerprint() ?? '' };
      } catch (error) {
        // Try the next signature packet, if any.
        reasons.push((error as Error).message);
      }
    }
    throw invalid(
      reasons.length === 0
        ? 'no signature in the file verifies with a pinned key'
        : `no signature in the file verifies with a pinned key (${reasons.join('; ')})`,
    );
  } catch (error) {
    if (error instanceof UpkeepError) throw error;
    throw invalid((error as Error).message, error);
  }
}
