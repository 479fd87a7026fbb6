import { LockMode } from '@mikro-orm/core';
import type { WorkflowDefinition } from '../domain/index.ts';
import { Workflow, WorkflowVersion } from './entities/index.ts';
import type { Orm } from './orm.ts';
import { pooledRunner, sql, uuidArray } from './sql.ts';
import type { Tx } from './transaction.ts';

export interface StoredVersion {
  readonly id: string;
  readonly teamId: string;
  readonly key: string;
  readonly version: number;
  readonly definition: WorkflowDefinition;
}

export interface WorkflowRow {
  readonly key: string;
  readonly name: string;
  readonly version: number;
  readonly active: boolean;
}

const versionOf = (row: WorkflowVersion): StoredVersion => ({ id: row.id, teamId: row.teamId, key: row.workflowKey, version: row.version, definition: row.definition });

/** Workflows and their immutable published versions (ORM entities; versions by id are plain reads). */
export function createWorkflowRepository(orm: Orm) {
  return {
    async find(teamId: string, key: string, tx?: Tx): Promise<WorkflowRow | null> {
      const row = await (tx?.em ?? orm.em.fork()).findOne(Workflow, { teamId, key });
      return row ? { key: row.key, name: row.name, version: row.currentVersion, active: row.active } : null;
    },
    async list(teamId: string, options: { activeOnly?: boolean } = {}): Promise<WorkflowRow[]> {
      const rows = await orm.em.fork().find(Workflow, options.activeOnly ? { teamId, active: true } : { teamId }, { orderBy: { name: 'asc' } });
      return rows.map((w) => ({ key: w.key, name: w.name, version: w.currentVersion, active: w.active }));
    },
    /**
     * Adds the next version of a workflow (creating the workflow on its first), under a lock on the workflow
     * row so concurrent publishers never collide on a version number. Returns the new version.
     */
    async addVersion(tx: Tx, teamId: string, definition: WorkflowDefinition, id: string, publishedBy: string): Promise<StoredVersion> {
      const existing = await tx.em.findOne(Workflow, { teamId, key: definition.key }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const version = (existing?.currentVersion ?? 0) + 1;
      if (existing) tx.em.assign(existing, { name: definition.name, currentVersion: version });
      else tx.em.create(Workflow, { teamId, key: definition.key, name: definition.name, currentVersion: version, active: true });
      await tx.em.flush();
      tx.em.create(WorkflowVersion, { id, teamId, workflowKey: definition.key, version, definition, publishedBy });
      return { id, teamId, key: definition.key, version, definition };
    },
    /** Turns a workflow on or off for new requests; returns its current version, or null when there is no such workflow. */
    async setActive(tx: Tx, teamId: string, key: string, active: boolean): Promise<number | null> {
      const workflow = await tx.em.findOne(Workflow, { teamId, key });
      if (!workflow) return null;
      workflow.active = active;
      return workflow.currentVersion;
    },
    async versionByNumber(teamId: string, key: string, version: number): Promise<StoredVersion | null> {
      const row = await orm.em.fork().findOne(WorkflowVersion, { teamId, workflowKey: key, version });
      return row ? versionOf(row) : null;
    },
    /** Versions by id, one round trip for any number of them. */
    async versionsById(ids: readonly string[]): Promise<StoredVersion[]> {
      if (ids.length === 0) return [];
      const [rows = []] = await pooledRunner(orm).run([
        sql`select id, team_id, workflow_key, version, definition from workflow_version where id = any(${uuidArray(ids)})`,
      ]);
      return rows.map((r) => ({ id: r.id as string, teamId: r.team_id as string, key: r.workflow_key as string, version: r.version as number, definition: r.definition as WorkflowDefinition }));
    },
  };
}
export type WorkflowRepository = ReturnType<typeof createWorkflowRepository>;
