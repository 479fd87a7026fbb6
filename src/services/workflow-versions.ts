import { DomainError, type WorkflowDefinition } from '../domain/index.ts';
import type { StoredVersion, WorkflowRepository } from '../db/workflow-repository.ts';

export type PublishedVersion = StoredVersion;

/** How many published versions are kept in memory (they never change, so a cached one is never stale). */
const CACHE_LIMIT = 500;

export interface WorkflowVersionsDeps {
  readonly workflows: Pick<WorkflowRepository, 'find' | 'versionByNumber' | 'versionsById'>;
}

/**
 * The one way to read published workflow versions, with the one cache of them. A version is immutable once
 * published, so it is read from the database once per process, by id or by number alike.
 */
export function createWorkflowVersions(deps: WorkflowVersionsDeps) {
  const byId = new Map<string, PublishedVersion>();
  const idByNumber = new Map<string, string>();
  const numberKey = (teamId: string, key: string, version: number) => `${teamId}\u0000${key}\u0000${version}`;

  function remember(version: PublishedVersion): PublishedVersion {
    if (byId.size >= CACHE_LIMIT) {
      const [oldest] = byId.values();
      if (oldest) {
        byId.delete(oldest.id);
        idByNumber.delete(numberKey(oldest.teamId, oldest.key, oldest.version));
      }
    }
    byId.set(version.id, version);
    idByNumber.set(numberKey(version.teamId, version.key, version.version), version.id);
    return version;
  }

  /** Versions by id (what a request records), reading only those not in memory yet. */
  async function manyById(ids: readonly string[]): Promise<Map<string, PublishedVersion>> {
    const missing = [...new Set(ids)].filter((id) => !byId.has(id));
    if (missing.length) for (const version of await deps.workflows.versionsById(missing)) remember(version);
    const found = new Map<string, PublishedVersion>();
    for (const id of ids) {
      const version = byId.get(id);
      if (version) found.set(id, version);
    }
    return found;
  }

  async function ofId(id: string): Promise<PublishedVersion> {
    const version = (await manyById([id])).get(id);
    if (!version) throw new Error(`workflow version ${id} is missing`);
    return version;
  }

  /** A workflow's given version, or its current one when `version` is absent. */
  async function get(teamId: string, key: string, version?: number): Promise<PublishedVersion> {
    let wanted = version;
    if (wanted === undefined) {
      const workflow = await deps.workflows.find(teamId, key);
      if (!workflow) throw new DomainError('not_found', `There is no workflow "${key}".`);
      wanted = workflow.version;
    }
    const cachedId = idByNumber.get(numberKey(teamId, key, wanted));
    const cached = cachedId ? byId.get(cachedId) : undefined;
    if (cached) return cached;
    const found = await deps.workflows.versionByNumber(teamId, key, wanted);
    if (!found) {
      if (version !== undefined && !(await deps.workflows.find(teamId, key))) throw new DomainError('not_found', `There is no workflow "${key}".`);
      throw new DomainError('not_found', `Workflow "${key}" has no version ${wanted}.`);
    }
    return remember(found);
  }

  const definitionOf = async (id: string): Promise<WorkflowDefinition> => (await ofId(id)).definition;

  return { ofId, manyById, get, definitionOf, remember };
}
export type WorkflowVersions = ReturnType<typeof createWorkflowVersions>;
