/**
 * Queue views under a full queue: 100,000 requests in review across 1,000 reviewers (groups of five, each
 * reviewer asked on 500 of them), then the App Home of a reviewer and the `/approval list` answer, built the
 * way the Slack listeners build them, timed over many iterations.
 *   npm run bench:queue-views            (BENCH_QUEUE_ITERATIONS, BENCH_QUEUE_SUBMISSIONS)
 * Seeding: the app makes one real request (and one approval on it) per shape through the services; SQL then
 * copies those rows with generate_series, changing only ids, people and times, so every row is one the app
 * itself would write.
 */
import { randomUUID } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import type { Orm } from '../src/db/orm.ts';
import { createServices, type RequestMeta, type Services } from '../src/services/index.ts';
import type { SlackDeps } from '../src/slack/context.ts';
import { renderHome } from '../src/slack/home/render-home.ts';
import { requesterSubcommands } from '../src/slack/listeners/commands/requester-subcommands.ts';
import { createSlackDirectory } from '../src/slack/slack-directory.ts';
import type { MetricRow } from './report.ts';
import { benchDatabase, percentile } from './support.ts';
import { createWorkSlots } from '../src/slack/work-slots.ts';

export interface QueueViewsOptions {
  readonly submissions: number;
  readonly reviewers: number;
  readonly iterations: number;
  readonly log: (line: string) => void;
}

interface Timing {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly iterations: number;
}

export interface QueueViewsResult {
  readonly submissions: number;
  readonly reviewers: number;
  readonly seedSeconds: number;
  /** Items the measured reviewer has pending (the Home tab shows the first 25 and counts the rest). */
  readonly pendingOfReviewer: number;
  readonly home: Timing;
  readonly list: Timing;
  readonly rows: MetricRow[];
}

const TEAM = 'T0QUEUE';
const ADMIN = 'UADMINQ';
const GROUP_SIZE = 5;
const person = (i: number): string => `UQ${String(i).padStart(5, '0')}`;

/**
 * One role and one workflow per group of five (one stage: 3 of the group). Submission k goes to group k mod G
 * and is made by someone of the next group; every other one already has an approval from the group's first member.
 */
export async function seed(orm: Orm, services: Services, submissions: number, reviewers: number): Promise<void> {
  const meta: RequestMeta = { origin: { kind: 'system', component: 'bench' }, traceId: null };
  const groups = reviewers / GROUP_SIZE;
  for (let g = 0; g < groups; g++) {
    const members = Array.from({ length: GROUP_SIZE }, (_, j) => person(g * GROUP_SIZE + j));
    await services.directory.setRole(TEAM, ADMIN, { name: `group_${g}`, members }, meta);
    await services.workflows.publish(TEAM, ADMIN, {
      key: `queue-${g}`, name: `Queue ${g}`,
      stages: [{ id: 'review', name: 'Review', step: 1, approvers: [{ type: 'role', role: `group_${g}` }], rule: { kind: 'at_least', count: 3 } }],
    }, meta);
  }
  const template = await services.submissions.submit({ teamId: TEAM, workflowKey: 'queue-0', requesterId: person(GROUP_SIZE), title: 'Template request' }, meta);
  await services.decisions.decide({ teamId: TEAM, submissionId: template.id, actorId: person(0), kind: 'approve', idempotencyKey: 'bench-template' }, meta);

  const em = orm.em.fork();
  // The temporary table lives for one transaction: the copies go in together.
  await em.transactional(async (tx) => {
    await tx.execute(`
      create temporary table bench_seed on commit drop as
      select k, gen_random_uuid() as submission_id, gen_random_uuid() as stage_id, k % ${groups} as grp,
             now() - make_interval(secs => ${submissions} - k) as created_at
        from generate_series(0, ${submissions - 1}) as k`);
    await tx.execute(`
      insert into submission (id, team_id, workflow_key, workflow_version, workflow_version_id, requester_id, title, fields, entity_key,
                              predecessor_id, status, plan, skipped_stage_ids, current_step_index, created_at, closed_at, updated_at)
      select b.submission_id, t.team_id, 'queue-' || b.grp, t.workflow_version, wv.id,
             'UQ' || lpad((((b.grp + 1) % ${groups}) * ${GROUP_SIZE} + b.k % ${GROUP_SIZE})::text, 5, '0'),
             'Request ' || b.k, t.fields, null, null, t.status, t.plan, t.skipped_stage_ids, t.current_step_index, b.created_at, null, b.created_at
        from bench_seed b
        cross join (select * from submission where id = ?) t
        join workflow_version wv on wv.team_id = t.team_id and wv.workflow_key = 'queue-' || b.grp and wv.version = t.workflow_version`, [template.id]);
    await tx.execute(`
      insert into stage_instance (id, submission_id, stage_id, name, step, status, rule, pool, required, opened_at, due_at, closed_at, escalated_at)
      select b.stage_id, b.submission_id, t.stage_id, t.name, t.step, t.status, t.rule,
             (select jsonb_agg('UQ' || lpad((b.grp * ${GROUP_SIZE} + j)::text, 5, '0') order by j) from generate_series(0, ${GROUP_SIZE - 1}) j),
             t.required, b.created_at, b.created_at + (t.due_at - t.opened_at), null, null
        from bench_seed b cross join (select * from stage_instance where submission_id = ?) t`, [template.id]);
    await tx.execute(`
      insert into decision (id, submission_id, stage_instance_id, kind, actor_id, principal_id, capacity, reason, delegate_to, decided_at, retracted_at)
      select gen_random_uuid(), b.submission_id, b.stage_id, d.kind, 'UQ' || lpad((b.grp * ${GROUP_SIZE})::text, 5, '0'),
             'UQ' || lpad((b.grp * ${GROUP_SIZE})::text, 5, '0'), d.capacity, d.reason, null, b.created_at + interval '1 minute', null
        from bench_seed b cross join (select * from decision where submission_id = ?) d
       where b.k % 2 = 0`, [template.id]);
  });
  await em.execute('analyze');
}

function timingOf(latencies: number[]): Timing {
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies.at(-1) ?? Number.NaN, iterations: latencies.length };
}

async function time(iterations: number, task: (i: number) => Promise<void>): Promise<Timing> {
  for (let i = 0; i < Math.min(10, iterations); i++) await task(i); // warm-up: JIT, plans, pool
  const latencies: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await task(i);
    latencies.push(performance.now() - t);
  }
  return timingOf(latencies);
}

export async function runQueueViews(options: QueueViewsOptions): Promise<QueueViewsResult> {
  const { log } = options;
  // The app's default DATABASE_POOL_SIZE: the Home tab reads on several connections at once.
  const db = await benchDatabase(10);
  try {
    const deps = { orm: db.orm, clock: () => new Date(), newId: randomUUID, bootstrapAdmins: [ADMIN] };
    const services = createServices(deps);
    const started = performance.now();
    await seed(db.orm, services, options.submissions, options.reviewers);
    const seedSeconds = (performance.now() - started) / 1000;
    log(`  seeded ${options.submissions} in-review requests for ${options.reviewers} reviewers in ${seedSeconds.toFixed(1)} s`);

    // The last member of group 1: asked on every request of the group, no approval of theirs yet.
    const reviewer = person(2 * GROUP_SIZE - 1);
    const pending = await services.home.pendingFor(TEAM, reviewer);
    const slackDeps: SlackDeps = { services, clock: deps.clock, directory: createSlackDirectory(new WebClient('xoxb-unused', { slackApiUrl: 'http://127.0.0.1:9/' })), slots: createWorkSlots(1, 10), decisionBudgetMs: 2000 };
    const list = requesterSubcommands().find((s) => s.name === 'list');
    if (!list) throw new Error('no /approval list subcommand');

    const home = await time(options.iterations, async () => {
      const view = await renderHome(services, TEAM, reviewer, new Date());
      if (view.blocks.length === 0) throw new Error('empty Home tab');
    });
    log(`  App Home (${pending.length} pending): p50 ${home.p50.toFixed(1)} / p99 ${home.p99.toFixed(1)} ms`);
    const listTiming = await time(options.iterations, async (i) => {
      const outcome = await list.run({ teamId: TEAM, userId: person((i * 7) % options.reviewers), channelId: 'C0QUEUE', args: [], deps: slackDeps, meta: { origin: { kind: 'system', component: 'bench' }, traceId: null } });
      if (!('reply' in outcome)) throw new Error('/approval list did not reply');
    });
    log(`  /approval list: p50 ${listTiming.p50.toFixed(1)} / p99 ${listTiming.p99.toFixed(1)} ms`);

    const b = 'queue views';
    const detail = (t: Timing) => `p50 ${t.p50.toFixed(1)} / p95 ${t.p95.toFixed(1)} / max ${t.max.toFixed(1)} ms over ${t.iterations} runs`;
    const rows: MetricRow[] = [
      { benchmark: b, metric: `App Home p99 (${pending.length} pending)`, value: home.p99, unit: 'ms', goal: { kind: 'below', target: 100 }, detail: detail(home) },
      { benchmark: b, metric: '/approval list p99', value: listTiming.p99, unit: 'ms', goal: { kind: 'below', target: 100 }, detail: detail(listTiming) },
      { benchmark: b, metric: `seeding ${options.submissions} requests`, value: seedSeconds, unit: 's', goal: { kind: 'below', target: 60 } },
    ];
    return { submissions: options.submissions, reviewers: options.reviewers, seedSeconds, pendingOfReviewer: pending.length, home, list: listTiming, rows };
  } finally {
    await db.drop();
  }
}

export const queueViewsOptionsFromEnv = (log: (line: string) => void): QueueViewsOptions => ({
  submissions: Number(process.env.BENCH_QUEUE_SUBMISSIONS ?? 100_000),
  reviewers: 1000,
  iterations: Number(process.env.BENCH_QUEUE_ITERATIONS ?? 200),
  log,
});

if (import.meta.main) {
  const { configureLogging } = await import('../src/observability/logger.ts');
  configureLogging('warn');
  const { formatTable } = await import('./report.ts');
  const result = await runQueueViews(queueViewsOptionsFromEnv((line) => console.error(line)));
  console.log(formatTable(result.rows));
}
