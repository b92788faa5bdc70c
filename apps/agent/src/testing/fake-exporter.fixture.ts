// A tiny exporter for tests: `--version` prints its version like Prometheus
// programs do; otherwise it serves /metrics and /health on --port and writes
// its pid to --pid-file. `--unhealthy` answers /health with 500; `--crash`
// exits at once with code 3.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
};
const version = option('--version-text') ?? '0.0.0';

if (args.includes('--version')) {
  process.stderr.write(`fake_exporter, version ${version} (branch: HEAD)\n  build user: test\n`);
  process.exit(0);
}
if (args.includes('--crash')) {
  process.stderr.write('fake_exporter: refusing to start (--crash)\n');
  process.exit(3);
}
const unhealthy = args.includes('--unhealthy');
const server = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(unhealthy ? 500 : 200).end(unhealthy ? 'sick\n' : 'ok\n');
    return;
  }
  res
    .writeHead(200, { 'content-type': 'text/plain' })
    .end(`fake_exporter_build_info{version="${version}"} 1\n`);
});
server.listen(Number(option('--port') ?? '0'), '127.0.0.1', () => {
  const pidFile = option('--pid-file');
  if (pidFile !== undefined) writeFileSync(pidFile, String(process.pid));
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
