import { LockMode } from '@mikro-orm/core';
import { DomainError, parseWorkflowDefinition, workflowFromText, type WorkflowDefinition } from '../domain/index.ts';
import { Workflow, WorkflowVersion } from '../db/entities/index.ts';
import { requireAdmin } from './admins.ts';
import type { RequestMeta, ServiceDeps } from './deps.ts';
import { inTransaction } from './unit-of-work.ts';
import { slackTeamIdSchema } from '../domain/index.ts';

export interface PublishedVersion {
  readonly key: string;
  readonly version: number;
  readonly id: string;
  readonly definition: WorkflowDefinition;
}

export interface WorkflowSummary {
  readonly key: string;
  readonly name: string;
  readonly version: number;
  readonly active: boolean;
}

const teamId = slackTeamIdSchema();

/** Published versions never change, so one looked up by number is kept (per service, so per database). */
const VERSION_CACHE_LIMIT = 500;

export function createWorkflowService(deps: ServiceDeps) {
  const versions = new Map<string, PublishedVersion>();

  /** Publishes a new immutable version. Submissions in flight keep the version they started with. */
  async function publish(team: string, actorId: string, source: unknown, meta: RequestMeta): Promise<PublishedVersion> {
    teamId.parse(team);
    const definition = typeof source === 'string' ? workflowFromText(source) : parseWorkflowDefinition(source);
    const { result } = await inTransaction(deps, team, meta, async (em, uow) => {
      await requireAdmin(deps, em, team, actorId);
      // The lock on the workflow row serializes publishers, so version numbers never collide.
      const existing = await em.findOne(Workflow, { teamId: team, key: definition.key }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const version = (existing?.currentVersion ?? 0) + 1;
      if (existing) em.assign(existing, { name: definition.name, currentVersion: version });
      else em.create(Workflow, { teamId: team, key: definition.key, name: definition.name, currentVersion: version, active: true });
      await em.flush();
      const id = deps.newId();
      em.create(WorkflowVersion, { id, teamId: team, workflowKey: definition.key, version, definition, publishedBy: actorId });
      uow.record({
        type: 'workflow.published',
        workflowKey: definition.key,
        workflowVersion: version,
        actorId,
        capacity: { kind: 'admin' },
        details: { definition },
      });
      uow.enqueue('workflow.published', null, { key: definition.key, version });
      return { key: definition.key, version, id, definition };
    });
    return result;
  }

  async function getVersion(team: string, key: string, version?: number): Promise<PublishedVersion> {
    const cacheKey = version === undefined ? null : JSON.stringify([team, key, version]);
    const cached = cacheKey ? versions.get(cacheKey) : undefined;
    if (cached) return cached;
    const found = await readVersion(team, key, version);
    if (versions.size >= VERSION_CACHE_LIMIT) versions.delete(versions.keys().next().value as string);
    versions.set(JSON.stringify([team, key, found.version]), found);
    return found;
  }

  async function readVersion(team: string, key: string, version?: number): Promise<PublishedVersion> {
    const em = deps.orm.em.fork();
    const workflow = await em.findOne(Workflow, { teamId: team, key });
    if (!workflow) throw new DomainError('not_found', `There is no workflow "${key}".`);
    const wanted = version ?? workflow.currentVersion;
    const row = await em.findOne(WorkflowVersion, { teamId: team, workflowKey: key, version: wanted });
    if (!row) throw new DomainError('not_found', `Workflow "${key}" has no version ${wanted}.`);
    return { key, version: row.version, id: row.id, definition: row.definition };
  }

  async function list(team: string, options: { activeOnly?: boolean } = {}): Promise<WorkflowSummary[]> {
    const em = deps.orm.em.fork();
    const rows = await em.find(Workflow, options.activeOnly ? { teamId: team, active: true } : { teamId: team }, { orderBy: { name: 'asc' } });
    return rows.map((w) => ({ key: w.key, name: w.name, version: w.currentVersion, active: w.active }));
  }

  async function setActive(team: string, actorId: string, key: string, active: boolean, meta: RequestMeta): Promise<void> {
    await inTransaction(deps, team, meta, async (em, uow) => {
      await requireAdmin(deps, em, team, actorId);
      const workflow = await em.findOne(Workflow, { teamId: team, key });
      if (!workflow) throw new DomainError('not_found', `There is no workflow "${key}".`);
      workflow.active = active;
      uow.record({ type: 'workflow.status_changed', workflowKey: key, workflowVersion: workflow.currentVersion, actorId, capacity: { kind: 'admin' }, details: { active } });
    });
  }

  return { publish, getVersion, list, setActive };
}
export type WorkflowService = ReturnType<typeof createWorkflowService>;
