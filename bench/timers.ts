/**
 * `npm run bench:timers`: how late do delayed jobs (our reminders, SLA deadlines, delegation handoffs) fire?
 *
 * Schedules 10,000 timers due at random moments over the next minute on a fresh queue prefix, runs a worker
 * with the production worker settings, and reports firing lateness (processing start minus due time)
 * p50/p99/max and the process' memory. Three runs: BullMQ alone with the Redis server's current `hz` (default
 * 10); the same with the worker's timer waker (src/jobs/timer-waker.ts, as `npm run worker` runs it); and with
 * the waker at `hz 100`. The original hz is restored afterwards. BENCH_TIMERS / BENCH_WINDOW_MS shrink a run.
 *
 * Why hz matters: an idle BullMQ worker waits for the next delayed job with a blocking BZPOPMIN whose timeout
 * is the job's due time. Redis notices expired blocking timeouts in its periodic cron, which runs `hz` times
 * per second, so with hz 10 a timer can be up to ~100 ms late; hz 100 brings that to ~10 ms for a little
 * more idle CPU. That is why docker-compose should run Redis with `--hz 100`. The waker removes most of that
 * wait (it wakes the worker at the due millisecond); hz 100 still shortens the tail for the timers it misses.
 * The machine's load matters as much: the figures are printed with the load average.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { workerConnection } from '../src/jobs/queues.ts';
import { startTimerWaker } from '../src/jobs/timer-waker.ts';
import { percentile } from './support.ts';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TIMERS = Number(process.env.BENCH_TIMERS ?? 10_000);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 55_000);
const LEAD_MS = 3000;

interface RunResult { hz: string; waker: boolean; p50: number; p99: number; max: number; mean: number; fired: number; peakRssMb: number; peakHeapMb: number; redisMemoryMb: number }

async function run(admin: Redis, hz: string, waker: boolean): Promise<RunResult> {
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const producer = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const queue = new Queue('timers', { connection: producer, prefix, defaultJobOptions: { removeOnComplete: true } });
  const lateness: number[] = [];
  let peakRss = 0;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 200);

  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => { resolveDone = resolve; });
  const connection = workerConnection(redisUrl);
  const worker = new Worker('timers', async (job) => {
    lateness.push(Date.now() - (job.data as { dueAt: number }).dueAt);
    if (lateness.length === TIMERS) resolveDone();
  }, { connection, prefix, concurrency: 50 });
  worker.on('error', (error) => console.error('worker', error.message));
  const wake = waker ? startTimerWaker(producer, prefix, 'timers') : null;

  const start = Date.now() + LEAD_MS;
  for (let offset = 0; offset < TIMERS; offset += 1000) {
    const now = Date.now();
    await queue.addBulk(Array.from({ length: Math.min(1000, TIMERS - offset) }, (_, i) => {
      const dueAt = start + Math.floor(Math.random() * WINDOW_MS);
      return { name: 'sla', data: { dueAt }, opts: { jobId: `t-${offset + i}`, delay: dueAt - now } };
    }));
  }
  const redisMemory = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1] ?? 0);
  await done;
  clearInterval(sampler);
  wake?.stop();
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  producer.disconnect();
  connection.disconnect();

  lateness.sort((a, b) => a - b);
  return {
    hz, waker, fired: lateness.length,
    p50: percentile(lateness, 50), p99: percentile(lateness, 99), max: lateness[lateness.length - 1] ?? Number.NaN,
    mean: lateness.reduce((s, v) => s + v, 0) / lateness.length,
    peakRssMb: peakRss / 1048576, peakHeapMb: peakHeap / 1048576, redisMemoryMb: redisMemory / 1048576,
  };
}

const admin = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
const original = ((await admin.config('GET', 'hz')) as string[])[1] ?? '10';
const results: RunResult[] = [];
try {
  console.log(`Scheduling ${TIMERS} timers due within ${Math.round((LEAD_MS + WINDOW_MS) / 1000)} s, three times (hz ${original} BullMQ alone, hz ${original} with the worker's timer waker, hz 100 with it)...`);
  results.push(await run(admin, original, false));
  results.push(await run(admin, original, true));
  await admin.config('SET', 'hz', '100');
  results.push(await run(admin, '100', true));
} finally {
  await admin.config('SET', 'hz', original);
  admin.disconnect();
}

const goal = (hz: string): number => (hz === '100' ? 20 : 100);
console.log(`\nTimer firing lateness (ms after due); ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end`);
console.log('redis hz | waker | fired  |  p50 |  p99 |  max | mean | goal p99 | worker peak RSS / heap | redis used_memory (all queued)');
for (const r of results) {
  console.log(
    `${r.hz.padStart(8)} | ${(r.waker ? 'on' : 'off').padStart(5)} | ${String(r.fired).padStart(6)} | ${r.p50.toFixed(0).padStart(4)} | ${r.p99.toFixed(0).padStart(4)} | ${r.max.toFixed(0).padStart(4)} | ${r.mean.toFixed(1).padStart(4)} | `
    + `${`< ${goal(r.hz)}`.padStart(8)} ${r.p99 < goal(r.hz) ? 'ok ' : 'MISS'} | ${r.peakRssMb.toFixed(0)} MB / ${r.peakHeapMb.toFixed(0)} MB`.padEnd(30) + ` | ${r.redisMemoryMb.toFixed(1)} MB`,
  );
}
