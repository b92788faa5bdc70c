/** How far two versions may drift apart (`allowed_version_drift: 0.1.0`), per part. */
export interface VersionDrift {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/**
 * Reads `allowed_version_drift` ("0.1.0" -> { major: 0, minor: 1, patch: 0 }), the
 * largest allowed difference of each part. Undefined for text that is not MAJOR.MINOR.PATCH
 * (the loader has already refused such text in versions.yaml).
 */
export function parseVersionDrift(text: string): VersionDrift | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}
