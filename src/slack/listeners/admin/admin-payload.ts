import { z } from 'zod';
import { splitOriginChannel } from '../../../../blocks/metadata.ts';
import { slackUserIdSchema } from '../../../domain/index.ts';

const userId = slackUserIdSchema();

/** One input element's state, for every element type the admin modals use. */
const elementSchema = z.object({
  type: z.string(),
  value: z.string().nullish(),
  selected_date: z.string().nullish(),
  selected_user: z.string().nullish(),
  selected_users: z.array(z.string()).nullish(),
  selected_option: z.object({ value: z.string() }).nullish(),
  selected_options: z.array(z.object({ value: z.string() })).nullish(),
  /** A file_input's attached files (Slack sends the file objects; the app reads each by id). */
  files: z.array(z.object({ id: z.string().regex(/^F[A-Z0-9]{2,30}$/), name: z.string().optional() }).loose()).nullish(),
});
const valuesSchema = z.record(z.string(), z.record(z.string(), elementSchema));
export type StateValues = z.infer<typeof valuesSchema>;

const viewSchema = z.object({
  id: z.string().min(1),
  type: z.string().optional(),
  team_id: z.string().optional(),
  callback_id: z.string().default(''),
  hash: z.string().optional(),
  private_metadata: z.string().default(''),
  root_view_id: z.string().nullish(),
  previous_view_id: z.string().nullish(),
  blocks: z.array(z.object({ block_id: z.string().optional() }).loose()).default([]),
  state: z.object({ values: valuesSchema }).default({ values: {} }),
});
export type AdminViewPayload = z.infer<typeof viewSchema>;

const base = {
  team: z.object({ id: z.string().min(1) }).nullish(),
  user: z.object({ id: userId, team_id: z.string().optional() }),
};

export const adminActionSchema = z.object({
  ...base,
  type: z.literal('block_actions'),
  trigger_id: z.string().min(1),
  view: viewSchema.nullish(),
  container: z.object({ type: z.string(), channel_id: z.string().optional() }).loose().optional(),
  channel: z.object({ id: z.string() }).nullish(),
  actions: z.array(z.object({
    action_id: z.string(),
    value: z.string().optional(),
    selected_option: z.object({ value: z.string() }).nullish(),
    selected_user: z.string().nullish(),
  }).loose()).min(1),
});

export const adminSubmissionSchema = z.object({ ...base, type: z.literal('view_submission'), view: viewSchema });

export interface AdminAction {
  readonly teamId: string;
  readonly userId: string;
  readonly triggerId: string;
  /** The modal the click came from; null for the Home tab or a message. */
  readonly view: AdminViewPayload | null;
  readonly channelId: string | null;
  readonly actionId: string;
  /** A button's value, an overflow's or select's chosen value, or a picked user. */
  readonly value: string | undefined;
}

export interface AdminSubmission {
  readonly teamId: string;
  readonly userId: string;
  /** Its private_metadata is the modal's own; the origin channel it carried is `channelId`. */
  readonly view: AdminViewPayload;
  /** The channel the admin flow started in, as the modal carried it (withOriginChannel); null from the Home tab. */
  readonly channelId: string | null;
}

/** The view with its own private_metadata, and the origin channel it carried. */
function ownView<V extends { private_metadata: string }>(view: V): { view: V; channelId: string | null } {
  const { channelId, metadata } = splitOriginChannel(view.private_metadata);
  return { view: { ...view, private_metadata: metadata }, channelId };
}

const teamOf = (b: { team?: { id: string } | null | undefined; user: { team_id?: string | undefined } }, view?: { team_id?: string | undefined } | null): string | undefined =>
  b.team?.id ?? view?.team_id ?? b.user.team_id;

export function parseAdminAction(body: unknown): AdminAction | null {
  const parsed = adminActionSchema.safeParse(body);
  if (!parsed.success) return null;
  const b = parsed.data;
  const teamId = teamOf(b, b.view);
  const action = b.actions[0];
  if (!teamId || !action) return null;
  const inModal = b.view ? ownView(b.view) : null;
  return {
    teamId,
    userId: b.user.id,
    triggerId: b.trigger_id,
    view: inModal?.view ?? null,
    // A click in a modal has no channel of its own: it belongs to the channel the modal's flow started in.
    channelId: b.channel?.id ?? b.container?.channel_id ?? inModal?.channelId ?? null,
    actionId: action.action_id,
    value: action.value ?? action.selected_option?.value ?? action.selected_user ?? undefined,
  };
}

export function parseAdminSubmission(body: unknown): AdminSubmission | null {
  const parsed = adminSubmissionSchema.safeParse(body);
  if (!parsed.success) return null;
  const teamId = teamOf(parsed.data, parsed.data.view);
  return teamId ? { teamId, userId: parsed.data.user.id, ...ownView(parsed.data.view) } : null;
}

/** Reading the one element of an input block (admin modals put exactly one element in each). */
function element(values: StateValues, blockId: string) {
  const block = values[blockId];
  return block ? Object.values(block)[0] : undefined;
}

export const readText = (values: StateValues, blockId: string): string => (element(values, blockId)?.value ?? '').trim();
export const readOption = (values: StateValues, blockId: string): string | null => element(values, blockId)?.selected_option?.value ?? null;
export const readOptions = (values: StateValues, blockId: string): string[] => (element(values, blockId)?.selected_options ?? []).map((o) => o.value);
export const readUser = (values: StateValues, blockId: string): string | null => element(values, blockId)?.selected_user ?? null;
export const readUsers = (values: StateValues, blockId: string): string[] => [...(element(values, blockId)?.selected_users ?? [])];
export const readDate = (values: StateValues, blockId: string): string | null => element(values, blockId)?.selected_date ?? null;
/** The ids of the files attached to a file_input. */
export const readFileIds = (values: StateValues, blockId: string): string[] => (element(values, blockId)?.files ?? []).map((f) => f.id);

/** A number input's value; null when empty, NaN when it is not a number. */
export function readNumber(values: StateValues, blockId: string): number | null {
  const raw = readText(values, blockId);
  return raw === '' ? null : Number(raw);
}
