// The committed OpenAPI document describes every request body the API parses: the
// DTO classes carry no emitted design types, so an endpoint without @ApiBody would
// silently document no body at all. The operations below take none.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const OPENAPI_FILE = join(dirname(fileURLToPath(import.meta.url)), '../../openapi.json');

interface Operation {
  readonly requestBody?: { readonly content: Record<string, { readonly schema: unknown }> };
}

const BODYLESS = [
  'POST /api/hosts/{id}/revoke',
  'POST /api/rollouts/{id}/pause',
  'POST /api/rollouts/{id}/resume',
  'POST /api/rollouts/{id}/retry-failed',
  'POST /api/rollouts/{id}/submit',
];

describe('OpenAPI request bodies', () => {
  const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown> };
  };
  const writes = Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([method]) => ['post', 'put', 'patch'].includes(method))
      .map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })),
  );

  it('documents a body for every write operation except the actions that take none', () => {
    const without = writes.filter((write) => write.operation.requestBody === undefined).map((w) => w.name);
    expect(without.sort()).toEqual([...BODYLESS].sort());
  });

  it('points every JSON body at a schema the document defines', () => {
    for (const write of writes) {
      const schema = write.operation.requestBody?.content['application/json']?.schema as
        { $ref?: string } | undefined;
      if (schema?.$ref === undefined) continue;
      const name = schema.$ref.replace('#/components/schemas/', '');
      expect(document.components.schemas[name], `${write.name} → ${name}`).toBeDefined();
    }
  });
});
