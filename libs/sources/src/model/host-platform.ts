import { UpkeepError } from '@upkeep/errors';

/** The OS and CPU an asset must be built for, in Go's names (`linux`/`amd64`), which most releases use. */
export interface HostPlatform {
  readonly os: string;
  readonly arch: string;
}

const NODE_OS: Readonly<Record<string, string>> = {
  linux: 'linux',
  darwin: 'darwin',
  win32: 'windows',
  freebsd: 'freebsd',
  openbsd: 'openbsd',
};

const NODE_ARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  // Node cannot tell armv6 from armv7; armv7 is what current 32-bit ARM boards run.
  arm: 'armv7',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/**
 * Names each OS and CPU goes by in asset names, most common first. The first is the canonical
 * name substituted for `{OS}`/`{ARCH}`; the others are tried after it.
 */
export const OS_ALIASES: Readonly<Record<string, readonly string[]>> = {
  linux: ['linux'],
  darwin: ['darwin', 'macos', 'apple-darwin', 'osx'],
  windows: ['windows', 'win64', 'win'],
  freebsd: ['freebsd'],
  openbsd: ['openbsd'],
};

export const ARCH_ALIASES: Readonly<Record<string, readonly string[]>> = {
  amd64: ['amd64', 'x86_64', 'x86-64', 'x64'],
  arm64: ['arm64', 'aarch64'],
  armv7: ['armv7', 'armv7l', 'armhf', 'arm'],
  armv6: ['armv6', 'armv6l'],
  '386': ['386', 'i386', 'i686', 'x86'],
  ppc64le: ['ppc64le'],
  s390x: ['s390x'],
  riscv64: ['riscv64'],
};

/** The platform Node reports (`process.platform`, `process.arch`) in release naming. */
export function platformFromNode(platform: string, arch: string): HostPlatform {
  const os = NODE_OS[platform];
  const cpu = NODE_ARCH[arch];
  if (os === undefined || cpu === undefined) {
    throw new UpkeepError('INPUT_INVALID', `platform ${platform}/${arch} has no known release naming`, {
      details: { platform, arch },
      hint: 'set constraints.architecture (for example linux-amd64) for the component',
    });
  }
  return { os, arch: cpu };
}

/**
 * Reads `linux-amd64` (the seed's `constraints.architecture`) or `linux/arm64`.
 * Aliases are accepted (`x86_64`, `aarch64`) and mapped to the canonical names.
 */
export function parsePlatform(text: string): HostPlatform {
  const match = /^([a-z0-9]+)[-/_]([a-z0-9_-]+)$/i.exec(text.trim());
  const os = match?.[1]?.toLowerCase();
  const arch = match?.[2]?.toLowerCase();
  const canonicalOs =
    os === undefined ? undefined : Object.keys(OS_ALIASES).find((k) => OS_ALIASES[k]?.includes(os));
  const canonicalArch =
    arch === undefined ? undefined : Object.keys(ARCH_ALIASES).find((k) => ARCH_ALIASES[k]?.includes(arch));
  if (canonicalOs === undefined || canonicalArch === undefined) {
    throw new UpkeepError('INPUT_INVALID', `architecture ${JSON.stringify(text)} is not OS-ARCH`, {
      details: { value: text },
      hint: 'write it as linux-amd64, linux-arm64, linux-armv7 or darwin-arm64',
    });
  }
  return { os: canonicalOs, arch: canonicalArch };
}

export function osAliases(os: string): readonly string[] {
  return OS_ALIASES[os] ?? [os];
}

export function archAliases(arch: string): readonly string[] {
  return ARCH_ALIASES[arch] ?? [arch];
}
