// /metrics of a real fleet: the compiled control plane and `upkeep-agent run` processes
// (test/support/fleet). The agents report what the metrics are made of — job duration and
// downtime, the rollback reason, rollback points with the inventory — and the control plane
// exports it, behind UPKEEP_METRICS_TOKEN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_COMPONENT, eventually, startFleet, type Fleet } from '../support/fleet/fleet.ts';

const METRICS_TOKEN = 'e2e-metrics-token-0123456789';

/** One sample's value from the exposition text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('the fleet in /metrics', () => {
  let fleet: Fleet | undefined;
  const the = (): Fleet => {
    if (fleet === undefined) throw new Error('the fleet did not start');
    return fleet;
  };
  const scrape = async (token: string | null = METRICS_TOKEN): Promise<{ status: number; text: string }> => {
    const response = await fetch(`${the().controlPlane.httpUrl}/metrics`, {
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
    return { status: response.status, text: await response.text() };
  };

  beforeAll(async () => {
    fleet = await startFleet({
      hosts: [
        { name: 'good-1', groups: ['web'], labels: {} },
        { name: 'bad-1', groups: ['web'], labels: {} },
      ],
      hostsPerAgent: 2,
      controlPlaneEnv: { UPKEEP_METRICS_TOKEN: METRICS_TOKEN },
    });
  }, 600_000);

  afterAll(async () => {
    await fleet?.stop();
  }, 120_000);

  it('refuses a scrape without the token', async () => {
    expect((await scrape(null)).status).toBe(401);
  });

  it('counts an upgrade with the duration and downtime the agent measured, and a rollback with its reason', async () => {
    const component = DEMO_COMPONENT;
    await the().installThroughJobs('1.0.2', [the().host('good-1')]);
    // 1.0.1 fails its health check: the agent restores 1.0.0 and says why.
    const job = await the().api<{ id: string }>('POST', '/api/jobs', {
      hostId: the().host('bad-1').id,
      kind: 'upgrade',
      component,
      targetVersion: '1.0.1',
    });
    expect(job.status).toBe(201);
    const text = await eventually(
      async () => {
        const { status, text: body } = await scrape();
        expect(status).toBe(200);
        return sample(body, `upkeep_rollbacks_total{component="${component}",reason="health_check"}`) === 1 &&
          sample(body, `upkeep_component_info{host="good-1",component="${component}",version="1.0.2"}`) ===
            1 &&
          (sample(body, `upkeep_rollback_points{component="${component}"}`) ?? 0) >= 2
          ? body
          : undefined;
      },
      'the failed upgrade, its rollback and the new inventory in /metrics',
      120_000,
      500,
    );
    // Two initial installs of 1.0.0 and the upgrade of good-1 succeeded; bad-1's failed.
    expect(sample(text, `upkeep_upgrade_attempts_total{component="${component}",result="success"}`)).toBe(3);
    expect(sample(text, `upkeep_upgrade_attempts_total{component="${component}",result="failure"}`)).toBe(1);
    expect(
      sample(text, `upkeep_upgrade_duration_seconds_count{component="${component}",result="success"}`),
    ).toBe(3);
    expect(
      sample(text, `upkeep_upgrade_duration_seconds_count{component="${component}",result="failure"}`),
    ).toBe(1);
    expect(
      sample(text, `upkeep_upgrade_duration_seconds_sum{component="${component}",result="failure"}`),
    ).toBeGreaterThan(0);
    // The upgrade of a running service stops it: its downtime is measured (initial installs have none to stop).
    expect(
      sample(text, `upkeep_upgrade_downtime_seconds_count{component="${component}"}`),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, `upkeep_component_info{host="bad-1",component="${component}",version="1.0.0"}`)).toBe(
      1,
    );
    expect(sample(text, `upkeep_installed_components{component="${component}"}`)).toBe(2);
    expect(sample(text, 'upkeep_hosts{status="active"}')).toBe(2);
  });
});
