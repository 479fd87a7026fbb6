/**
 * The benchmarks of the decision path and the queue views, with the machine they ran on, as one table.
 *   npm run bench          (env: see bench/decision-path.ts and bench/queue-views.ts)
 * Progress goes to stderr; the table and the profile summary to stdout; everything to
 * bench/results/<ISO timestamp>.json so runs can be compared.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { configureLogging } from '../src/observability/logger.ts';
import { decisionPathOptionsFromEnv, runDecisionPath } from './decision-path.ts';
import { runChain } from './chain.ts';
import { describeMachine, machineInfo } from './machine.ts';
import { formatProfile } from './profile.ts';
import { queueViewsOptionsFromEnv, runQueueViews } from './queue-views.ts';
import { formatTable, verdict } from './report.ts';
import { benchAdminUrl } from './database-url.ts';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
// The seeding in this process goes through the services, which log every decision at info.
configureLogging('warn');

const startedAt = new Date();
const machine = await machineInfo(benchAdminUrl, process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
log(`machine: ${describeMachine(machine)}`);

log('queue views');
const queueViews = await runQueueViews(queueViewsOptionsFromEnv(log));
log('decision path');
const decisionOptions = decisionPathOptionsFromEnv(log);
const decisionPath = await runDecisionPath(decisionOptions);

log('audit chain');
const chain = await runChain({ seconds: Math.min(decisionOptions.seconds, 10), clients: decisionOptions.clients, log });

const rows = [...decisionPath.rows, ...chain.rows, ...queueViews.rows];
const profileText = [
  decisionPath.profiles.app ? formatProfile('app process (whole run, --cpu-prof)', decisionPath.profiles.app) : '',
  decisionPath.profiles.worker ? formatProfile('worker process (whole run, --cpu-prof)', decisionPath.profiles.worker) : '',
].filter(Boolean).join('\n');
const missed = rows.filter((r) => verdict(r).met === false);
const waits = decisionPath.phases.map((p) => `  ${p.name}: ${p.databaseWaits.map((w) => `${w.event} ${w.percent}%`).join(', ')}`).join('\n');

console.log(`machine: ${describeMachine(machine)}`);
const loadAtEnd = os.loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`run: ${startedAt.toISOString()}, load average at the end ${loadAtEnd}, ${decisionOptions.seconds} s per phase, ${decisionOptions.clients} clients (app DATABASE_POOL_SIZE, closed-loop reviewers, pgbench -c), ${decisionOptions.scale} app process(es) and ${decisionOptions.scale} worker(s)`);
console.log(formatTable(rows));
if (missed.length > 0) {
  console.log(`\nwhere the time goes (${missed.length} goal${missed.length === 1 ? '' : 's'} missed)`);
  console.log(`app CPU ${decisionPath.cpuSeconds.app.toFixed(1)} s, worker CPU ${decisionPath.cpuSeconds.worker.toFixed(1)} s for ${decisionPath.clicksSent} clicks (from /proc; profile "busy" below counts wall time, including waits for a CPU)`);
  console.log(`database backends during each phase (sampled pg_stat_activity; CPU = running):\n${waits}`);
  if (profileText) console.log(profileText);
}

const directory = new URL('./results/', import.meta.url);
await mkdir(directory, { recursive: true });
const file = new URL(`${startedAt.toISOString().replace(/:/g, '-')}.json`, directory);
await writeFile(file, `${JSON.stringify({
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  loadAverageAtEnd: os.loadavg(),
  machine,
  options: { seconds: decisionOptions.seconds, warmupSeconds: decisionOptions.warmupSeconds, clients: decisionOptions.clients, rates: decisionOptions.rates, profiled: decisionOptions.profile, scale: decisionOptions.scale },
  rows: rows.map((r) => ({ ...r, result: verdict(r).text || null, met: verdict(r).met })),
  decisionPath: { ...decisionPath, rows: undefined },
  queueViews: { ...queueViews, rows: undefined },
  chain: { ...chain, rows: undefined },
}, null, 2)}\n`);
console.log(`\nresults: ${file.pathname}`);
