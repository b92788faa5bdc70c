import { connect } from 'node:net';
import type { HttpClient } from '../download/http.port.ts';
import { nodeHttpClient } from '../download/node-http-client.repository.ts';
import { describeResult, type ProcessRunner } from '../service/process-runner.port.ts';
import type { HealthCheckSpec, HealthProbe, ProbeResult } from './health-check.types.ts';

const MAX_BODY = 1024 * 1024;

function httpProbe(spec: Extract<HealthCheckSpec, { type: 'http' }>, httpClient: HttpClient): HealthProbe {
  const expected = spec.expectedStatus ?? 200;
  return async (timeoutMs) => {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      controller.abort(new Error(`no answer within ${String(timeoutMs)} ms`));
    }, timeoutMs);
    try {
      const response = await httpClient(spec.url, { headers: {}, signal: controller.signal });
      if (response.status !== expected) {
        response.cancel();
        return {
          ok: false,
          detail: `GET ${spec.url}: HTTP ${String(response.status)}, expected ${String(expected)}`,
        };
      }
      if (spec.bodyContains === undefined) {
        response.cancel();
        return { ok: true, detail: `GET ${spec.url}: HTTP ${String(response.status)}` };
      }
      let body = '';
      const decoder = new TextDecoder();
      {
        for await (const chunk of response.body) {
          body += decoder.decode(chunk, { stream: true });
          if (body.includes(spec.bodyContains)) {
            response.cancel();
            return {
              ok: true,
              detail: `GET ${spec.url}: HTTP ${String(response.status)}, body has ${JSON.stringify(spec.bodyContains)}`,
            };
          }
          if (body.length > MAX_BODY) break;
        }
      }
      return { ok: false, detail: `GET ${spec.url}: body lacks ${JSON.stringify(spec.bodyContains)}` };
    } catch (error) {
      const reason = controller.signal.aborted ? describe(controller.signal.reason) : describe(error);
      return { ok: false, detail: `GET ${spec.url}: ${reason}` };
    } finally {
      clearTimeout(timer);
    }
  };
}

function tcpProbe(spec: Extract<HealthCheckSpec, { type: 'tcp' }>): HealthProbe {
  return (timeoutMs) =>
    new Promise<ProbeResult>((resolve) => {
      const socket = connect({ host: spec.host, port: spec.port });
      const where = `${spec.host}:${String(spec.port)}`;
      const done = (result: ProbeResult): void => {
        socket.destroy();
        resolve(result);
      };
      socket.setTimeout(timeoutMs, () => {
        done({ ok: false, detail: `tcp ${where}: no connection within ${String(timeoutMs)} ms` });
      });
      socket.once('connect', () => {
        done({ ok: true, detail: `tcp ${where}: connected` });
      });
      socket.once('error', (error) => {
        done({ ok: false, detail: `tcp ${where}: ${error.message}` });
      });
    });
}

function commandProbe(spec: Extract<HealthCheckSpec, { type: 'command' }>, run: ProcessRunner): HealthProbe {
  return async (timeoutMs) => {
    const result = await run(spec.argv, { timeoutMs });
    return { ok: result.exitCode === 0, detail: `${spec.argv.join(' ')}: ${describeResult(result)}` };
  };
}

function describe(error: unknown): string {
  if (error instanceof Error)
    return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
  return String(error);
}

/** The probe for a `health_check` spec, over real HTTP, TCP or a child process. */
export function createHealthProbe(
  spec: HealthCheckSpec,
  ports: { http?: HttpClient; run: ProcessRunner },
): HealthProbe {
  switch (spec.type) {
    case 'http':
      return httpProbe(spec, ports.http ?? nodeHttpClient);
    case 'tcp':
      return tcpProbe(spec);
    case 'command':
      return commandProbe(spec, ports.run);
  }
}
