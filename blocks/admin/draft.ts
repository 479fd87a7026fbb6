import { z } from 'zod';
import {
  fieldDefinitionSchema, stageDefinitionSchema, webhookSchema,
  type FieldDefinition, type StageDefinition, type WorkflowDefinition,
} from '../../src/domain/index.ts';
import { LIMITS } from '../limits.ts';
import { ITEM_VERBS, type ItemVerb } from './ids.ts';

/**
 * A workflow being edited in the modals. Unlike a definition it may be incomplete (no key or name yet,
 * no stages), but every field and stage in it was already checked by the domain schema when it was saved.
 * It travels in the modals' private_metadata, so it must stay under Slack's 3000 characters.
 */
export const workflowDraftSchema = z.object({
  key: z.string().max(40).default(''),
  name: z.string().max(200).default(''),
  description: z.string().max(1000).default(''),
  fields: z.array(fieldDefinitionSchema).default([]),
  stages: z.array(stageDefinitionSchema).default([]),
  oneStagePerApprover: z.boolean().default(false),
  webhooks: z.array(webhookSchema).default([]),
  /** The published version this draft started from; null for a new workflow. */
  baseVersion: z.number().int().positive().nullable().default(null),
});
export type WorkflowDraft = z.infer<typeof workflowDraftSchema>;

export const emptyDraft = (): WorkflowDraft => workflowDraftSchema.parse({});

export const draftFromDefinition = (definition: WorkflowDefinition, version: number): WorkflowDraft => ({
  key: definition.key,
  name: definition.name,
  description: definition.description,
  fields: definition.fields,
  stages: definition.stages,
  oneStagePerApprover: definition.oneStagePerApprover,
  webhooks: definition.webhooks,
  baseVersion: version,
});

/** What publishing submits to the workflow service (which validates it as a whole). */
export function draftToDefinitionInput(draft: WorkflowDraft): Record<string, unknown> {
  const { baseVersion: _base, ...definition } = draft;
  return definition;
}

/** The editor's metadata is the draft; a pushed modal's is the draft plus where it came from. */
export interface ItemContext {
  /** The workflow editor's view id, updated when the pushed modal is saved. */
  readonly rootViewId: string;
  /** Which field or stage is edited; null when adding one. */
  readonly index: number | null;
  readonly draft: WorkflowDraft;
}

const itemContextSchema = z.object({ r: z.string().max(64), i: z.number().int().min(0).nullable(), d: workflowDraftSchema });

/** Drops defaulted noise so more of a workflow fits in 3000 characters. */
function compact(draft: WorkflowDraft): Record<string, unknown> {
  const stage = (s: StageDefinition) => ({
    ...s,
    ...(s.rule.kind === 'any' ? { rule: undefined } : {}),
    ...(s.onTimeout === 'escalate' ? { onTimeout: undefined } : {}),
  });
  const field = (f: FieldDefinition) => ({ ...f, ...(f.required ? {} : { required: undefined }), ...(f.showToReviewers ? { showToReviewers: undefined } : {}) });
  return {
    key: draft.key || undefined,
    name: draft.name || undefined,
    description: draft.description || undefined,
    fields: draft.fields.length ? draft.fields.map(field) : undefined,
    stages: draft.stages.length ? draft.stages.map(stage) : undefined,
    oneStagePerApprover: draft.oneStagePerApprover || undefined,
    webhooks: draft.webhooks.length ? draft.webhooks : undefined,
    baseVersion: draft.baseVersion ?? undefined,
  };
}

export const encodeDraft = (draft: WorkflowDraft): string => JSON.stringify(compact(draft));
export const encodeItemContext = (ctx: ItemContext): string => JSON.stringify({ r: ctx.rootViewId, i: ctx.index, d: compact(ctx.draft) });

/** True when this metadata fits in a view's private_metadata. */
export const fitsMetadata = (metadata: string): boolean => metadata.length <= LIMITS.PRIVATE_METADATA;

function parseJson(raw: string | undefined): unknown {
  if (!raw) return {};
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

/** The editor's draft, or null when the metadata is not one (a forged or foreign payload). */
export function decodeDraft(raw: string | undefined): WorkflowDraft | null {
  const result = workflowDraftSchema.safeParse(parseJson(raw));
  return result.success ? result.data : null;
}

export function decodeItemContext(raw: string | undefined): ItemContext | null {
  const result = itemContextSchema.safeParse(parseJson(raw));
  return result.success ? { rootViewId: result.data.r, index: result.data.i, draft: result.data.d } : null;
}

/** Stages listed in step order (parallel stages keep their relative order), as definitions require. */
export const sortStages = (stages: readonly StageDefinition[]): StageDefinition[] =>
  stages.map((s, i) => ({ s, i })).sort((a, b) => a.s.step - b.s.step || a.i - b.i).map(({ s }) => s);

/** Moves the item at `index` one place up (no change for the first). */
export function moveUp<T>(items: readonly T[], index: number): T[] {
  const copy = [...items];
  if (index <= 0 || index >= copy.length) return copy;
  const [item] = copy.splice(index, 1);
  if (item !== undefined) copy.splice(index - 1, 0, item);
  return copy;
}

/** An id made from a label: "Finance review" → "finance_review", unique among `taken`. */
export function idFromLabel(label: string, taken: readonly string[], fallback: string): string {
  let base = label.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (!/^[a-z]/.test(base)) base = `${fallback}${base ? `_${base}` : ''}`;
  base = base.slice(0, 36);
  let id = base;
  for (let n = 2; taken.includes(id); n++) id = `${base}_${n}`;
  return id;
}

/** Reads a field/stage overflow value (`edit:3`); null for anything else. */
export function parseItemValue(raw: string | undefined): { verb: ItemVerb; index: number } | null {
  const match = /^([a-z]+):(\d{1,3})$/.exec(raw ?? '');
  const verb = ITEM_VERBS.find((v) => v === match?.[1]);
  return verb && match ? { verb, index: Number(match[2]) } : null;
}
