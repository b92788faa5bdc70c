import 'reflect-metadata';
import { startConsoleFixture, type ConsoleFixtureOptions } from './console-fixture.ts';

/**
 * Runs the console fixture as its own process for the console's end-to-end test and
 * `pnpm -s screenshots`: argv[2] is the ConsoleFixtureOptions as JSON; prints one JSON
 * line (url, tokens, hostIds) when ready and stops, cleaning up, when stdin closes or
 * on SIGTERM/SIGINT.
 */
async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as ConsoleFixtureOptions;
  const fixture = await startConsoleFixture(options);
  process.stdout.write(
    `${JSON.stringify({ url: fixture.url, tokens: fixture.tokens, hostIds: fixture.hostIds })}\n`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    fixture.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`console fixture: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
