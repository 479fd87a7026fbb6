import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every metric the process exports, in one registry. Counters and histograms are updated where things
 * happen; gauges that describe stored state (queue depth, outbox backlog, chain length) are read on scrape
 * by the sources registered in scrape-sources.ts.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'approvals_' });

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const decisionsTotal = new Counter({
  name: 'approvals_decisions_total',
  help: 'Gated decisions recorded, by kind (approve, reject, request_changes, delegate, retract, comment) and the submission status it left.',
  labelNames: ['kind', 'status'] as const,
  registers: [registry],
});

export const decisionsRefusedTotal = new Counter({
  name: 'approvals_decisions_refused_total',
  help: 'Decisions refused by the rules, by reason (the domain error code: not_eligible, already_decided, stale, ...).',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const decisionDuration = new Histogram({
  name: 'approvals_decision_duration_seconds',
  help: 'Time to decide: load, rules, state, audit and outbox in one transaction; by result (recorded, refused, failed).',
  labelNames: ['result'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const slackCallsTotal = new Counter({
  name: 'approvals_slack_api_calls_total',
  help: 'Slack Web API calls, by method and result (ok, or the error Slack answered with, or http_<status>).',
  labelNames: ['method', 'result'] as const,
  registers: [registry],
});

export const slackErrorsTotal = new Counter({
  name: 'approvals_slack_api_errors_total',
  help: 'Slack Web API calls that failed, by method and error.',
  labelNames: ['method', 'error'] as const,
  registers: [registry],
});

export const slackRateLimitedTotal = new Counter({
  name: 'approvals_slack_rate_limited_total',
  help: 'Slack Web API answers of 429 (rate limited), by method.',
  labelNames: ['method'] as const,
  registers: [registry],
});

export const slackCallDuration = new Histogram({
  name: 'approvals_slack_api_call_duration_seconds',
  help: 'Slack Web API call time, by method.',
  labelNames: ['method'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const jobLateness = new Histogram({
  name: 'approvals_job_lateness_seconds',
  help: 'How long after it was due a job\'s first attempt started (a delayed job: after its due time; others: after being added), by queue.',
  labelNames: ['queue'] as const,
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
  registers: [registry],
});

export const jobsTotal = new Counter({
  name: 'approvals_jobs_total',
  help: 'Jobs run by this worker, by queue and result (completed, failed, deferred).',
  labelNames: ['queue', 'result'] as const,
  registers: [registry],
});

export const queueJobs = new Gauge({
  name: 'approvals_queue_jobs',
  help: 'Jobs in each BullMQ queue, by state (waiting, delayed, active, failed, prioritized, waiting-children).',
  labelNames: ['queue', 'state'] as const,
  registers: [registry],
});

export const outboxBacklog = new Gauge({
  name: 'approvals_outbox_backlog',
  help: 'Outbox rows committed but not yet handed to the queues.',
  registers: [registry],
});

export const outboxOldestAge = new Gauge({
  name: 'approvals_outbox_oldest_age_seconds',
  help: 'Age of the oldest outbox row not yet handed to the queues (0 when none).',
  registers: [registry],
});

export const auditChainLength = new Gauge({
  name: 'approvals_audit_chain_length',
  help: 'Events in each workspace audit chain.',
  labelNames: ['team'] as const,
  registers: [registry],
});

export const auditCheckpointAge = new Gauge({
  name: 'approvals_audit_last_checkpoint_age_seconds',
  help: 'Seconds since each workspace chain was last signed as a checkpoint (absent before the first).',
  labelNames: ['team'] as const,
  registers: [registry],
});

export const httpRequestDuration = new Histogram({
  name: 'approvals_http_request_duration_seconds',
  help: 'HTTP request time until the response was sent (for Slack requests: the ack), by route and status class.',
  labelNames: ['route', 'status'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const scrapeErrorsTotal = new Counter({
  name: 'approvals_metrics_scrape_errors_total',
  help: 'Gauges that could not be read at scrape time (their store was unreachable), by source.',
  labelNames: ['source'] as const,
  registers: [registry],
});

export const reconcilerRepairsTotal = new Counter({
  name: 'approvals_reconciler_repairs_total',
  help: 'Work the reconciler found missing from Redis and put back, by repair (restored_timer, promoted_timer, scheduled_stage, scheduled_delegation, requeued_event, restored_delivery).',
  labelNames: ['repair'] as const,
  registers: [registry],
});
