import {
  planRoute, requiredApprovals, resolvePool, routingProblem, validateFieldValues,
  type FieldValues, type ResolutionContext, type WorkflowDefinition,
} from '../domain/index.ts';
import type { Directory } from '../domain/index.ts';
import type { DirectoryQuery } from '../db/directory-reads.ts';
import { rolesOf } from './submission-service.ts';

export interface PreviewStage {
  readonly id: string;
  readonly name: string;
  readonly people: readonly string[];
  readonly required: number;
  /** Why this stage could not be routed for this requester, or null. */
  readonly problem: string | null;
}

export interface RoutePreview {
  readonly requesterId: string;
  readonly fields: FieldValues;
  readonly steps: readonly { readonly step: number; readonly stages: readonly PreviewStage[] }[];
  readonly skipped: readonly { readonly id: string; readonly name: string }[];
}

/**
 * "Preview routing" for a draft workflow: which stages a request with these sample values reaches and who
 * each stage would ask, using the same domain rules a real submission uses. Sample values are checked like a
 * real form's, except that nothing is required.
 */
export interface RoutingPreviewDeps {
  readonly directory: (query: DirectoryQuery) => Promise<Directory>;
  readonly clock: () => Date;
}

export function createRoutingPreview(deps: RoutingPreviewDeps) {
  async function preview(teamId: string, definition: WorkflowDefinition, requesterId: string, sample: Readonly<Record<string, unknown>>): Promise<RoutePreview> {
    const fields = validateFieldValues(definition.fields.map((f) => ({ ...f, required: false })), sample);
    const userFields = definition.fields.filter((f) => f.type === 'user').map((f) => fields[f.id]).filter((v): v is string => typeof v === 'string');
    const directory = await deps.directory({
      teamId, roles: rolesOf(definition), people: [requesterId, ...userFields], workflowKey: definition.key, at: deps.clock(),
    });
    const ctx: ResolutionContext = { requesterId, fields, directory };
    const plan = planRoute(definition, fields);
    const steps = plan.steps.map((step) => ({
      step: step.step,
      stages: step.stageIds.map((stageId): PreviewStage => {
        const stage = definition.stages.find((s) => s.id === stageId);
        if (!stage) throw new Error(`planRoute named unknown stage ${stageId}`);
        const people = resolvePool(stage.approvers, ctx);
        return { id: stage.id, name: stage.name, people, required: requiredApprovals(stage.rule, people.length), problem: routingProblem(stage, ctx, 'admin') };
      }),
    }));
    return { requesterId, fields, steps, skipped: plan.skipped.map((s) => ({ id: s.id, name: s.name })) };
  }
  return { preview };
}
export type RoutingPreview = ReturnType<typeof createRoutingPreview>;
