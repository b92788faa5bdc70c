import type { ExporterBehaviour } from '../exporter/exporter-program.ts';
import { exporterRelease, type ExporterReleaseSpec } from '../exporter/exporter-releases.ts';
import type { UpstreamRelease } from '../upstream/index.ts';

/** One demo_exporter version the fleet's upstream publishes, and what it does. */
export interface FleetRelease extends ExporterReleaseSpec {
  readonly what: string;
}

/** The versions the fleet's end-to-end tests, demo and bench roll out, oldest first. */
export const FLEET_RELEASES: readonly FleetRelease[] = [
  { version: '1.0.0', what: 'good: the version every host starts on', published_at: '2026-09-01T00:00:00Z' },
  {
    version: '1.0.1',
    what: 'broken: /metrics answers 500, so it fails its health check',
    behaviour: 'unhealthy',
    published_at: '2026-09-15T00:00:00Z',
    notes: '* [BUGFIX] faster collectors (broken: /metrics answers 500)',
  },
  {
    version: '1.0.2',
    what: 'good: the fixed patch',
    published_at: '2026-10-01T00:00:00Z',
    notes: '* [BUGFIX] collectors fixed',
  },
  {
    version: '2.0.0',
    what: 'major: held for approval',
    published_at: '2026-11-01T00:00:00Z',
    notes: '* [CHANGE] new major version',
  },
];

/** A release that starts everywhere except on hosts run with `--collector.diskstats` (a flag it dropped). */
export function flagDroppingRelease(version: string, published_at: string): FleetRelease {
  const behaviour: ExporterBehaviour = 'no-diskstats-flag';
  return {
    version,
    what: 'drops --collector.diskstats: fails to start on the one host still using it',
    behaviour,
    published_at,
    // Unannounced, as in real life: nothing tells the policy this release breaks anything.
    notes: '* [ENHANCEMENT] leaner collectors',
  };
}

/** The releases as GitHub lists them (newest first), with real archives and checksum files. */
export function upstreamReleases(releases: readonly FleetRelease[], interpreter: string): UpstreamRelease[] {
  return [...releases]
    .sort((a, b) => (a.published_at ?? '').localeCompare(b.published_at ?? ''))
    .reverse()
    .map((release) => exporterRelease(release, interpreter));
}
