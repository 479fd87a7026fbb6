/**
 * A round-robin HTTP proxy in its own process, in front of several app processes (BENCH_SCALE): each request
 * goes to the next app in turn, as a load balancer without stickiness would send Slack's requests. Over IPC:
 *   parent → { upstreams: string[] }   base URLs of the apps
 *   child  → { url: string }           where to send requests
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const { upstreams } = await new Promise<{ upstreams: string[] }>((resolve) => process.once('message', (m) => resolve(m as { upstreams: string[] })));
const targets = upstreams.map((u) => new URL(u));
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
let next = 0;

const server = http.createServer((req, res) => {
  const target = targets[next++ % targets.length];
  if (!target) {
    res.writeHead(502).end();
    return;
  }
  const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers, agent }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
process.send?.({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
process.on('disconnect', () => process.exit(0));
