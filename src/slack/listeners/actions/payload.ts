import { z } from 'zod';
import { splitOriginChannel } from '../../../../blocks/metadata.ts';
import { slackUserIdSchema } from '../../../domain/index.ts';

const userId = slackUserIdSchema();

/** The parts of a block_actions payload our listeners rely on; anything else is not trusted or needed. */
export const blockActionSchema = z.object({
  type: z.literal('block_actions'),
  team: z.object({ id: z.string().min(1) }).nullish(),
  user: z.object({ id: userId, team_id: z.string().optional() }),
  trigger_id: z.string().min(1),
  container: z.object({
    type: z.string(),
    channel_id: z.string().optional(),
    message_ts: z.string().optional(),
    view_id: z.string().optional(),
  }).optional(),
  channel: z.object({ id: z.string() }).nullish(),
  message: z.object({ ts: z.string() }).nullish(),
  view: z.object({ id: z.string(), hash: z.string().optional(), private_metadata: z.string().optional() }).nullish(),
});
export type ParsedBlockAction = z.infer<typeof blockActionSchema>;

export const buttonSchema = z.object({
  action_id: z.string(),
  action_ts: z.string().min(1),
  value: z.string().max(2000).optional(),
});

export interface ActionOrigin {
  readonly teamId: string;
  readonly userId: string;
  readonly channelId: string | null;
  readonly messageTs: string | null;
}

/** Team, clicker and (for message buttons) the message clicked. Null when the payload lacks them. */
export function actionOrigin(body: unknown): (ActionOrigin & { readonly body: ParsedBlockAction }) | null {
  const parsed = blockActionSchema.safeParse(body);
  if (!parsed.success) return null;
  const b = parsed.data;
  const teamId = b.team?.id ?? b.user.team_id;
  if (!teamId) return null;
  // A click in a modal belongs to the channel the modal's flow started in (withOriginChannel); its own metadata follows.
  const inModal = b.view ? splitOriginChannel(b.view.private_metadata ?? '') : null;
  const channelId = b.channel?.id ?? b.container?.channel_id ?? inModal?.channelId ?? null;
  const messageTs = b.message?.ts ?? b.container?.message_ts ?? null;
  const own = b.view && inModal ? { ...b, view: { ...b.view, private_metadata: inModal.metadata } } : b;
  return { teamId, userId: b.user.id, channelId, messageTs, body: own };
}
