import os from 'node:os';
import { Redis } from 'ioredis';
import pg from 'pg';
import { benchAdminUrl, databaseTransport } from './database-url.ts';

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly postgres: string;
  /** How the benchmarks reach it (Unix socket or TCP). */
  readonly postgresTransport: string;
  readonly redis: string;
  /** 1/5/15-minute load averages when measured: other work on the machine skews every figure. */
  readonly loadAverage: readonly number[];
}

/** The machine and the versions the figures were measured on. */
export async function machineInfo(databaseUrl: string, redisUrl: string): Promise<MachineInfo> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let postgres: string;
  try {
    const { rows } = await client.query<{ version: string }>('select version()');
    postgres = rows[0]?.version ?? 'unknown';
  } finally {
    await client.end();
  }
  const redisClient = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let redis: string;
  try {
    await redisClient.connect();
    redis = /redis_version:(\S+)/.exec(await redisClient.info('server'))?.[1] ?? 'unknown';
  } finally {
    redisClient.disconnect();
  }
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    postgres: postgres.split(' on ')[0] ?? postgres,
    postgresTransport: databaseTransport(databaseUrl),
    redis,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export const describeMachine = (m: MachineInfo): string =>
  `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB RAM; Node ${m.node}; ${m.postgres} over ${m.postgresTransport}; Redis ${m.redis}; load average ${m.loadAverage.join(' ')}`;

if (import.meta.main) {
  console.log(describeMachine(await machineInfo(benchAdminUrl, process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379')));
}
