import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { UpkeepError, isUpkeepError, redactUrl } from '@upkeep/errors';
import type { SignatureOutcome } from '@upkeep/signatures';
import { parsePlatform, releaseDetails, type SignatureRef } from '@upkeep/sources';
import { CLOCK, CONFIG, LOGGER } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { AppConfig } from '../config/app-config.ts';
import { AuditRepository } from '../audit/audit.repository.ts';
import { SYSTEM_ACTOR } from '../audit/audit-event.ts';
import { DiscoveryService } from '../discovery/discovery.service.ts';
import { ArtifactRepository } from './artifact.repository.ts';
import { ArtifactSignatureRepository } from './artifact-signature.repository.ts';
import { MAX_ARTIFACT_BYTES } from './artifact.repository.ts';
import { ArtifactOriginRepository } from './artifact-origin.repository.ts';
import { UpstreamDownloadRepository } from './upstream-download.repository.ts';

/** Where agents download an artifact from, and the hash they check it against. */
export interface ServedArtifact {
  readonly url: string;
  readonly sha256: string;
}

/** Detached signatures are a few hundred bytes; anything this large is not one. */
const MAX_SIGNATURE_BYTES = 1024 * 1024;
/**
 * A refused artifact is not downloaded again for this long: the rollout driver asks every tick,
 * and upstream bytes that failed verification rarely change within minutes.
 */
export const REFUSAL_MEMORY_MS = 5 * 60 * 1000;
/** Refusals of the bytes themselves (audited, remembered); config and network errors are neither. */
const REFUSAL_CODES: ReadonlySet<string> = new Set(['CHECKSUM_MISMATCH', 'SIGNATURE_INVALID']);

interface Wanted {
  readonly component: string;
  readonly version: string;
  readonly asset: string;
}

/** A signature to check: its bytes, the pinned keys and where they were read from. */
interface PreparedSignature {
  readonly ref: SignatureRef;
  readonly bytes: Uint8Array;
  readonly armoredPublicKeys: readonly string[];
  readonly keyPath: string;
}

/**
 * Brings a release asset into the content-addressed artifact store: the asset and
 * its sha256 come from `releaseDetails` (the release's checksum file or registry
 * hash), the bytes are downloaded once, verified while they are written and, when the
 * component requires it (`download.gpg_signature` / `signature_file`), checked against the
 * detached OpenPGP signature and the pinned key before they take their name in the store;
 * then served to agents from this control plane. Concurrent requests for one asset share a download.
 * Where each artifact came from is kept in `artifact_origins`, so that a replica without the file
 * can fetch it again (`ArtifactService.locate`).
 */
@Injectable()
export class UpstreamArtifactService {
  private readonly config: AppConfig;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly discovery: DiscoveryService;
  private readonly artifacts: ArtifactRepository;
  private readonly downloads: UpstreamDownloadRepository;
  private readonly signatures: ArtifactSignatureRepository;
  private readonly audit: AuditRepository;
  private readonly origins: ArtifactOriginRepository;
  private readonly inFlight = new Map<string, Promise<void>>();
  /** `digest component signature-url` verified by this process: a stored artifact is not checked again. */
  private readonly verified = new Set<string>();
  private readonly refusals = new Map<string, { readonly error: UpkeepError; readonly until: number }>();
  /** `digest component version os arch` whose origin this process wrote: not written again every tick. */
  private readonly recordedOrigins = new Set<string>();

  constructor(
    @Inject(CONFIG) config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(CLOCK) clock: Clock,
    @Inject(DiscoveryService) discovery: DiscoveryService,
    @Inject(ArtifactRepository) artifacts: ArtifactRepository,
    @Inject(UpstreamDownloadRepository) downloads: UpstreamDownloadRepository,
    @Inject(ArtifactSignatureRepository) signatures: ArtifactSignatureRepository,
    @Inject(AuditRepository) audit: AuditRepository,
    @Inject(ArtifactOriginRepository) origins: ArtifactOriginRepository,
  ) {
    this.config = config;
    this.logger = logger;
    this.clock = clock;
    this.discovery = discovery;
    this.artifacts = artifacts;
    this.downloads = downloads;
    this.signatures = signatures;
    this.audit = audit;
    this.origins = origins;
  }

  /**
   * The stored artifact for `component` at `version` on `os`/`arch`, fetching it first when needed.
   * @throws UpkeepError CHECKSUM_NOT_FOUND, CHECKSUM_MISMATCH, SIGNATURE_INVALID (nothing stored),
   * ASSET_NOT_FOUND (no signature in the release), CONFIG_INVALID / CONFIG_NOT_FOUND (signature_key).
   */
  async ensure(component: string, version: string, os: string, arch: string): Promise<ServedArtifact> {
    const { source, spec, context } = this.discovery.sourceOf(component);
    const details = await releaseDetails(
      source,
      version,
      {
        platform: parsePlatform(`${os}-${arch}`),
        download: spec.download,
      },
      context,
    );
    const sha256 = details.checksum.sha256;
    if (sha256 === null) {
      throw new UpkeepError(
        'CHECKSUM_NOT_FOUND',
        `${component} ${version}: no sha256 is published for ${details.asset.name}`,
        {
          details: { reason: details.checksum.reason },
          hint: 'set download.checksum_file in versions.yaml, or upload the artifact with PUT /api/artifacts/sha256/<hex>',
        },
      );
    }
    const digest = sha256.toLowerCase();
    const signature = details.signature;
    const key = signature === null ? digest : `${digest} ${component} ${signature.url}`;
    const refused = this.refusals.get(key);
    if (refused !== undefined) {
      if (refused.until > this.clock.now().getTime()) throw refused.error;
      this.refusals.delete(key);
    }
    const stored = (await this.artifacts.find(digest)) !== null;
    if (!stored || (signature !== null && !this.verified.has(key))) {
      let work = this.inFlight.get(key);
      if (work === undefined) {
        const what = { component, version, asset: details.asset.name };
        work = this.refusing(key, what, digest, async () => {
          // Stored already (uploaded, or fetched before a signature was required): check those bytes.
          if (stored && signature !== null) await this.checkStored(digest, signature, what);
          else await this.fetchInto(digest, details.asset.url, spec.download.maxSizeMb, signature, what);
          if (signature !== null) this.verified.add(key);
        }).finally(() => this.inFlight.delete(key));
        this.inFlight.set(key, work);
      }
      await work;
    }
    // Also for an artifact found stored: it may predate artifact_origins, or come from a shared volume.
    const recorded = `${digest} ${component} ${version} ${os} ${arch}`;
    if (!this.recordedOrigins.has(recorded)) {
      await this.origins.record({
        sha256: digest,
        component,
        version,
        os,
        arch,
        assetName: details.asset.name,
        assetUrl: redactUrl(details.asset.url),
        fetchedAt: this.clock.now(),
      });
      this.recordedOrigins.add(recorded);
    }
    return { url: `${this.config.publicUrl}/artifacts/sha256/${digest}`, sha256: digest };
  }

  /** Runs `work`; a refusal of the bytes is logged, audited (`artifact.refused`) and remembered. */
  private async refusing(
    key: string,
    what: Wanted,
    sha256: string,
    work: () => Promise<void>,
  ): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (!isUpkeepError(error) || !REFUSAL_CODES.has(error.code)) throw error;
      this.refusals.set(key, { error, until: this.clock.now().getTime() + REFUSAL_MEMORY_MS });
      this.logger.warn({ ...what, sha256, err: error }, 'artifact refused');
      await this.audit.recordAlone(
        {
          actor: SYSTEM_ACTOR,
          action: 'artifact.refused',
          targetType: 'artifact',
          targetId: sha256,
          details: { ...what, code: error.code, message: error.message, ...error.details },
          subject: { component: what.component, version: what.version, outcome: 'refused' },
        },
        this.clock.now(),
      );
      throw error;
    }
  }

  private async fetchInto(
    sha256: string,
    url: string,
    maxSizeMb: number | undefined,
    signatureRef: SignatureRef | null,
    what: Wanted,
  ): Promise<void> {
    // The signature and the key first: when either is missing, the asset is not even downloaded.
    const prepared = signatureRef === null ? null : await this.prepareSignature(signatureRef, what);
    const body = await this.downloads.open(url);
    const maxBytes = maxSizeMb === undefined ? MAX_ARTIFACT_BYTES : Math.floor(maxSizeMb * 1024 * 1024);
    // Set by the check inside `store`, which runs before the file takes its name.
    const checked: { signature: SignatureOutcome | null } = { signature: null };
    const stored = await this.artifacts.store(
      body,
      sha256,
      maxBytes,
      prepared === null
        ? undefined
        : async (path) => {
            checked.signature = await this.verifySignature(path, prepared, what);
          },
    );
    const signature = checked.signature;
    this.logger.info({ ...what, sha256, size: stored.size, signature }, 'artifact fetched from upstream');
    await this.audit.recordAlone(
      {
        actor: SYSTEM_ACTOR,
        action: 'artifact.fetched',
        targetType: 'artifact',
        targetId: sha256,
        details: { ...what, size: stored.size, ...(signature === null ? {} : { signature }) },
        subject: { component: what.component, version: what.version },
      },
      this.clock.now(),
    );
  }

  /** An artifact already in the store, now required to be signed: verified in place, audited. */
  private async checkStored(sha256: string, ref: SignatureRef, what: Wanted): Promise<void> {
    const prepared = await this.prepareSignature(ref, what);
    const signature = await this.verifySignature(this.artifacts.pathOf(sha256), prepared, what);
    this.logger.info({ ...what, sha256, signature }, 'stored artifact signature verified');
    await this.audit.recordAlone(
      {
        actor: SYSTEM_ACTOR,
        action: 'artifact.signature_verified',
        targetType: 'artifact',
        targetId: sha256,
        details: { ...what, signature },
        subject: { component: what.component, version: what.version },
      },
      this.clock.now(),
    );
  }

  private async prepareSignature(ref: SignatureRef, what: Wanted): Promise<PreparedSignature> {
    const subject = `${what.component} ${what.version} (${what.asset})`;
    if (ref.signs !== 'asset') {
      // As on the agent: a signed checksum file would vouch for the asset only through that file.
      throw new UpkeepError(
        'SIGNATURE_INVALID',
        `${subject}: the release signs its checksum file (${ref.name}), and signatures are verified over the artifact only`,
        {
          details: {
            ...what,
            signature: ref.name,
            reason: 'signature of the checksum file, not the artifact',
          },
          hint: 'set download.signature_file to a signature of the artifact itself, or turn gpg_signature off for this component',
        },
      );
    }
    const keyPath = this.signatures.keyPathOf(what.component, ref.key);
    const armoredPublicKeys = await this.signatures.readPinnedKeys(what.component, ref.key);
    let bytes: Uint8Array;
    try {
      bytes = await this.downloads.readAll(ref.url, MAX_SIGNATURE_BYTES);
    } catch (error) {
      if (!isUpkeepError(error)) throw error;
      throw new UpkeepError(
        error.code,
        `${subject}: cannot download its signature ${ref.name}: ${error.message}`,
        {
          details: { ...what, signature: ref.name, url: redactUrl(ref.url), ...error.details },
          hint: `a signature is required (${ref.reason}); nothing was stored and no host was sent the artifact`,
          cause: error,
        },
      );
    }
    return { ref, bytes, armoredPublicKeys, keyPath };
  }

  private async verifySignature(
    artifactPath: string,
    prepared: PreparedSignature,
    what: Wanted,
  ): Promise<SignatureOutcome> {
    try {
      return await this.signatures.verify({
        artifactPath,
        artifactName: `${what.component} ${what.version} (${what.asset})`,
        signatureBytes: prepared.bytes,
        signatureName: prepared.ref.name,
        armoredPublicKeys: prepared.armoredPublicKeys,
        date: this.clock.now(),
      });
    } catch (error) {
      if (!isUpkeepError(error)) throw error;
      const fingerprints = Array.isArray(error.details['pinnedFingerprints'])
        ? (error.details['pinnedFingerprints'] as unknown[]).map(String)
        : [];
      const pinned =
        fingerprints.length === 0
          ? `the key in ${prepared.keyPath}`
          : `key ${fingerprints.join(', ')} (${prepared.keyPath})`;
      throw new UpkeepError(
        error.code,
        `${error.message}; signature ${prepared.ref.name}, pinned ${pinned}`,
        {
          details: { ...what, signature: prepared.ref.name, keyFile: prepared.keyPath, ...error.details },
          hint:
            error.code === 'SIGNATURE_INVALID'
              ? "the artifact was not stored and no host was sent it: check that download.signature_key holds the publisher's key and that the release was not altered"
              : (error.hint ?? 'fix download.signature_key in versions.yaml'),
          cause: error,
        },
      );
    }
  }
}
