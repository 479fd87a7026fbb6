import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FieldDefinition } from '../../../domain/index.ts';
import { ACTION_IDS, BLOCK_IDS, fieldActionId, fieldBlockId } from '../../../../blocks/ids.ts';
import { splitOriginChannel } from '../../../../blocks/metadata.ts';
import { slackUserIdSchema } from '../../../domain/index.ts';

/** One element's submitted state, as Slack sends it for the element types our forms use. */
const elementStateSchema = z.object({
  type: z.string(),
  value: z.string().nullish(),
  selected_date: z.string().nullish(),
  selected_user: z.string().nullish(),
  selected_option: z.object({ value: z.string() }).nullish(),
});
export type ElementState = z.infer<typeof elementStateSchema>;

export const viewSubmissionSchema = z.object({
  type: z.literal('view_submission'),
  team: z.object({ id: z.string().min(1) }).nullish(),
  user: z.object({ id: slackUserIdSchema(), team_id: z.string().optional() }),
  view: z.object({
    id: z.string().min(1),
    team_id: z.string().optional(),
    callback_id: z.string(),
    private_metadata: z.string().default(''),
    blocks: z.array(z.object({ block_id: z.string().optional() }).loose()).default([]),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), elementStateSchema)) }),
  }),
});
export type ParsedViewSubmission = z.infer<typeof viewSubmissionSchema>;

/**
 * A view submission with the modal's own private_metadata in `view`, and in `channelId` the channel its flow
 * started in (as the modal carried it, withOriginChannel; null when opened from the Home tab).
 */
export function parseViewSubmission(body: unknown): (ParsedViewSubmission & { teamId: string; channelId: string | null }) | null {
  const parsed = viewSubmissionSchema.safeParse(body);
  if (!parsed.success) return null;
  const teamId = parsed.data.team?.id ?? parsed.data.view.team_id ?? parsed.data.user.team_id;
  const { channelId, metadata } = splitOriginChannel(parsed.data.view.private_metadata);
  return teamId ? { ...parsed.data, view: { ...parsed.data.view, private_metadata: metadata }, teamId, channelId } : null;
}

type Values = ParsedViewSubmission['view']['state']['values'];

const element = (values: Values, blockId: string, actionId: string): ElementState | undefined => values[blockId]?.[actionId];

/** The text typed into a plain-text input, or '' when empty. */
export const textValue = (values: Values, blockId: string, actionId: string): string => element(values, blockId, actionId)?.value ?? '';

/** A field's submitted value as the domain validates it (raw; `validateFieldValues` checks and converts). */
function fieldValue(field: FieldDefinition, state: ElementState | undefined): string | undefined {
  if (!state) return undefined;
  const raw = state.selected_option?.value ?? state.selected_date ?? state.selected_user ?? state.value ?? undefined;
  return raw === null || raw === undefined || raw === '' ? undefined : raw;
}

/** The request form's title and field values, keyed by field id. */
export function readRequestForm(values: Values, fields: readonly FieldDefinition[]): { title: string; fields: Record<string, string> } {
  const out: Record<string, string> = {};
  for (const field of fields) {
    const value = fieldValue(field, element(values, fieldBlockId(field.id), fieldActionId(field.id)));
    if (value !== undefined) out[field.id] = value;
  }
  return { title: textValue(values, BLOCK_IDS.title, ACTION_IDS.title), fields: out };
}

/** A stable digest of what was submitted: the same submission retried gives the same key, an edited one does not. */
export const submissionDigest = (values: Values): string => createHash('sha256').update(JSON.stringify(values)).digest('hex').slice(0, 32);
