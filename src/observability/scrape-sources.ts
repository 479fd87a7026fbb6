import type { Orm } from '../db/orm.ts';
import type { Queues } from '../jobs/queues.ts';
import { QUEUE_NAMES } from '../jobs/registry.ts';
import { auditChainLength, auditCheckpointAge, outboxBacklog, outboxOldestAge, queueJobs, registry, scrapeErrorsTotal } from './metrics.ts';

/** Reads stored state into gauges right before a scrape; registered by whoever owns the store. */
export type ScrapeSource = () => Promise<void>;

const sources = new Map<symbol, { readonly name: string; readonly source: ScrapeSource }>();

/** Adds a source (several processes' worth may share one test process); returns its removal. */
export function addScrapeSource(name: string, source: ScrapeSource): () => void {
  const key = Symbol(name);
  sources.set(key, { name, source });
  return () => {
    sources.delete(key);
  };
}

/**
 * The Prometheus exposition text. Every source runs first; one that fails (its database or Redis is away)
 * counts a scrape error and leaves its gauges as they were, so the rest of the page still answers.
 */
export async function renderMetrics(): Promise<string> {
  await Promise.all([...sources.values()].map(async ({ name, source }) => {
    try {
      await source();
    } catch {
      scrapeErrorsTotal.inc({ source: name });
    }
  }));
  return registry.metrics();
}

const JOB_STATES = ['waiting', 'delayed', 'active', 'failed', 'prioritized', 'waiting-children'] as const;

/** Queue depth by state for every queue in the registry. */
export const queueDepthSource = (queues: Queues): ScrapeSource => async () => {
  await Promise.all(QUEUE_NAMES.map(async (name) => {
    const counts = await queues.queue(name).getJobCounts(...JOB_STATES);
    for (const state of JOB_STATES) queueJobs.set({ queue: name, state }, counts[state] ?? 0);
  }));
};

/** The outbox backlog, the length of every audit chain and the age of its last signed checkpoint. */
export const databaseSource = (orm: Orm): ScrapeSource => async () => {
  const em = orm.em.fork();
  const [backlog] = await em.execute<{ n: string; oldest: string | null }[]>(
    `select count(*) as n, extract(epoch from now() - min(created_at)) as oldest from outbox where relayed_at is null`,
  );
  outboxBacklog.set(Number(backlog?.n ?? 0));
  outboxOldestAge.set(Number(backlog?.oldest ?? 0));
  const chains = await em.execute<{ chain_id: string; seq: string; age: string | null }[]>(
    `select h.chain_id, h.seq, extract(epoch from now() - c.signed_at) as age
       from audit_chain_head h
       left join lateral (select signed_at from audit_checkpoint where chain_id = h.chain_id order by id desc limit 1) c on true`,
  );
  auditChainLength.reset();
  auditCheckpointAge.reset();
  for (const chain of chains) {
    auditChainLength.set({ team: chain.chain_id }, Number(chain.seq));
    if (chain.age !== null) auditCheckpointAge.set({ team: chain.chain_id }, Number(chain.age));
  }
};
