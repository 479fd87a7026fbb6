import http from 'node:http';
import { slackSignature } from '../test/support/slack-requests.ts';

export interface SlackPoster {
  /** Posts a form body to /slack/events signed as Slack does; resolves with the HTTP status once the answer ends. */
  post(body: string): Promise<number>;
  close(): void;
}

/** Signed POSTs over a keep-alive agent (Slack reuses connections too). */
export function slackPoster(baseUrl: string, signingSecret: string): SlackPoster {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const url = new URL('/slack/events', baseUrl);
  return {
    post(body) {
      const timestamp = Math.floor(Date.now() / 1000);
      return new Promise((resolve, reject) => {
        const req = http.request(url, {
          method: 'POST', agent,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
            'x-slack-request-timestamp': String(timestamp),
            'x-slack-signature': slackSignature(signingSecret, timestamp, body),
          },
        }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

export interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  /** Milliseconds from when each request was due to its complete answer, sorted. */
  readonly latencies: number[];
  readonly elapsedSeconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Open loop: request i is due at start + i/rate and goes out then, whatever happened to earlier ones, so a slow
 * server meets the same offered load (no coordinated omission: latency counts from the due time).
 */
export async function openLoop(rate: number, seconds: number, next: () => string, poster: SlackPoster): Promise<LoadResult> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const inFlight: Promise<void>[] = [];
  let ok = 0;
  let failed = 0;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    inFlight.push(poster.post(next()).then((status) => {
      latencies.push(performance.now() - due);
      if (status === 200) ok++;
      else failed++;
    }, () => {
      failed++;
    }));
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  return { sent: total, ok, failed, latencies, elapsedSeconds: (performance.now() - start) / 1000 };
}

/** Closed loop: `clients` loops, each sending one request and waiting for `settled` before the next; latency is send → settled. */
export async function closedLoop(clients: number, seconds: number, next: () => { body: string; settled: () => Promise<void> }, poster: SlackPoster): Promise<LoadResult> {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < end) {
      const click = next();
      const t = performance.now();
      const settled = click.settled();
      const status = await poster.post(click.body).catch(() => 0);
      if (status === 200) ok++;
      else failed++;
      await settled.catch(() => undefined);
      latencies.push(performance.now() - t);
    }
  }));
  latencies.sort((a, b) => a - b);
  return { sent: latencies.length, ok, failed, latencies, elapsedSeconds: (performance.now() - start) / 1000 };
}
