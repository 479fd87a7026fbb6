import { DomainError, parseWorkflowDefinition, slackTeamIdSchema, workflowFromText } from '../domain/index.ts';
import type { WorkflowRepository, WorkflowRow } from '../db/workflow-repository.ts';
import type { AdminCheck } from './admins.ts';
import { policyGuard } from './policy-refusals.ts';
import type { RequestMeta } from './deps.ts';
import type { Transact } from './unit-of-work.ts';
import type { PublishedVersion, WorkflowVersions } from './workflow-versions.ts';

export type WorkflowSummary = WorkflowRow;
export type { PublishedVersion } from './workflow-versions.ts';

const teamId = slackTeamIdSchema();

export interface WorkflowServiceDeps {
  readonly transact: Transact;
  readonly workflows: Pick<WorkflowRepository, 'addVersion' | 'list' | 'setActive'>;
  readonly versions: Pick<WorkflowVersions, 'get' | 'remember'>;
  readonly admins: Pick<AdminCheck, 'requireAdmin'>;
  readonly newId: () => string;
}

/** Admins publish workflow versions and switch workflows on and off; everyone reads them. */
export function createWorkflowService(deps: WorkflowServiceDeps) {
  const refusalsRecorded = policyGuard(deps.transact);

  /** Publishes a new immutable version. Submissions in flight keep the version they started with. */
  async function publish(team: string, actorId: string, source: unknown, meta: RequestMeta): Promise<PublishedVersion> {
    teamId.parse(team);
    const definition = typeof source === 'string' ? workflowFromText(source) : parseWorkflowDefinition(source);
    const { result } = await refusalsRecorded(team, actorId, { attempted: 'workflow.publish', workflowKey: definition.key }, meta, () => deps.transact(team, meta, async (tx, uow) => {
      await deps.admins.requireAdmin(team, actorId, tx);
      const published = await deps.workflows.addVersion(tx, team, definition, deps.newId(), actorId);
      uow.record({
        type: 'workflow.published',
        workflowKey: definition.key,
        workflowVersion: published.version,
        actorId,
        capacity: { kind: 'admin' },
        details: { definition },
      });
      uow.enqueue('workflow.published', null, { key: definition.key, version: published.version });
      return published;
    }));
    return deps.versions.remember(result);
  }

  async function setActive(team: string, actorId: string, key: string, active: boolean, meta: RequestMeta): Promise<void> {
    await refusalsRecorded(team, actorId, { attempted: 'workflow.status_change', workflowKey: key, active }, meta, () => deps.transact(team, meta, async (tx, uow) => {
      await deps.admins.requireAdmin(team, actorId, tx);
      const version = await deps.workflows.setActive(tx, team, key, active);
      if (version === null) throw new DomainError('not_found', `There is no workflow "${key}".`);
      uow.record({ type: 'workflow.status_changed', workflowKey: key, workflowVersion: version, actorId, capacity: { kind: 'admin' }, details: { active } });
    }));
  }

  return {
    publish,
    setActive,
    getVersion: (team: string, key: string, version?: number) => deps.versions.get(team, key, version),
    list: (team: string, options: { activeOnly?: boolean } = {}) => deps.workflows.list(team, options),
  };
}
export type WorkflowService = ReturnType<typeof createWorkflowService>;
