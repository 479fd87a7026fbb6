import type { Services } from '../services/index.ts';
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
export const databaseSource = (services: Pick<Services, 'outboxBacklog' | 'health'>): ScrapeSource => async () => {
  const backlog = await services.outboxBacklog();
  outboxBacklog.set(backlog.count);
  outboxOldestAge.set(backlog.oldestSeconds);
  const chains = await services.health.chainStats();
  auditChainLength.reset();
  auditCheckpointAge.reset();
  for (const chain of chains) {
    auditChainLength.set({ team: chain.chainId }, chain.length);
    if (chain.checkpointAgeSeconds !== null) auditCheckpointAge.set({ team: chain.chainId }, chain.checkpointAgeSeconds);
  }
};
