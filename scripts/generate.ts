// Regenerates every committed generated file from its source of truth:
//   proto/**/*.proto      -> libs/proto/src/generated, apps/control-plane/src/generated/proto
//   prisma/schema.prisma  -> apps/control-plane/src/generated/prisma
//   REST controllers      -> apps/control-plane/openapi.json
// `--check` then fails when the regenerated tree differs from what git has,
// which is how CI notices a contract changed without its generated code.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

const GENERATED_PATHS = [
  'libs/proto/src/generated',
  'apps/control-plane/src/generated',
  'apps/control-plane/openapi.json',
];

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.error !== undefined) {
    console.error(`generate: could not start ${command}: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) {
    console.error(`generate: ${command} ${args.join(' ')} exited with ${String(result.status)}`);
    process.exit(1);
  }
}

const buf = join(root, 'libs/proto/node_modules/.bin/buf');
run(buf, ['lint', 'proto']);
run(buf, ['generate', 'proto', '--template', 'proto/buf.gen.yaml']);
run(buf, ['generate', 'proto', '--template', 'proto/buf.gen.nest.yaml']);

// `prisma generate` needs no schema engine, but the CLI insists on finding one
// and would download it; any existing file satisfies the check (no network here).
run(
  join(root, 'apps/control-plane/node_modules/.bin/prisma'),
  ['generate', '--schema', 'prisma/schema.prisma'],
  {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env['PRISMA_SCHEMA_ENGINE_BINARY'] ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  },
);

// The OpenAPI document comes from the compiled controllers (decorators need tsc).
run(join(root, 'node_modules/.bin/tsc'), ['-p', 'apps/control-plane/tsconfig.json']);
run(process.execPath, [
  'apps/control-plane/dist/apps/control-plane/src/openapi/write-openapi-document.js',
  'apps/control-plane/openapi.json',
]);

if (check) {
  const diff = spawnSync('git', ['status', '--porcelain', '--', ...GENERATED_PATHS], {
    cwd: root,
    encoding: 'utf8',
  });
  if (diff.status !== 0) {
    console.error(`generate:check: git status failed: ${diff.stderr}`);
    process.exit(1);
  }
  if (diff.stdout.trim() !== '') {
    console.error('generate:check: generated files differ from the committed ones:');
    console.error(diff.stdout);
    run('git', ['--no-pager', 'diff', '--stat', '--', ...GENERATED_PATHS]);
    console.error('Run `pnpm generate` and commit the result.');
    process.exit(1);
  }
  console.log('generate:check: generated files are up to date');
}
