import { z } from 'zod';
import { DECISION_KINDS } from '../src/domain/index.ts';
import { LIMITS } from './limits.ts';
import { decodeValue } from './values.ts';

/**
 * What a modal remembers between opening and submission (private_metadata, at most 3000 characters).
 * Short keys; every id is a uuid or a Slack id, so the size is bounded.
 */
export const requestModalMetadataSchema = z.object({
  /** Workflow key and version whose form is shown, or null before one is picked. */
  k: z.string().max(40).nullable(),
  v: z.number().int().positive().nullable(),
  /** The request being revised. */
  p: z.uuid().nullable(),
});
export type RequestModalMetadata = z.infer<typeof requestModalMetadataSchema>;

export const MODAL_DECISION_KINDS = ['reject', 'request_changes', 'delegate', 'comment', 'retract'] as const satisfies readonly (typeof DECISION_KINDS)[number][];
export type ModalDecisionKind = (typeof MODAL_DECISION_KINDS)[number];

export const decisionModalMetadataSchema = z.object({
  kind: z.enum(MODAL_DECISION_KINDS),
  s: z.uuid(),
  i: z.uuid(),
  v: z.number().int().positive(),
  /** The card the modal was opened from, so it can be updated after the decision. */
  c: z.string().max(30).nullable(),
  t: z.string().max(30).nullable(),
});
export type DecisionModalMetadata = z.infer<typeof decisionModalMetadataSchema>;

export const withdrawModalMetadataSchema = z.object({ s: z.uuid() });
export type WithdrawModalMetadata = z.infer<typeof withdrawModalMetadataSchema>;

export function encodeMetadata<T>(schema: z.ZodType<T>, value: T): string {
  const text = JSON.stringify(schema.parse(value));
  if (text.length > LIMITS.PRIVATE_METADATA) throw new Error(`private_metadata of ${text.length} characters is over Slack's limit`);
  return text;
}

/** Parses private_metadata; null when it is not JSON or not the expected shape. */
export const decodeMetadata = <T>(schema: z.ZodType<T>, raw: string | undefined): T | null => decodeValue(schema, raw);

const CHANNEL_ID = /^[CDG][A-Z0-9]{1,30}$/;
const ORIGIN_PREFIX = /^o=([CDG][A-Z0-9]{1,30});/;

/**
 * Every modal carries the channel its flow started in (the command's, the clicked message's) ahead of its own
 * private_metadata, as `o=<channel id>;`, so what is done in it is recorded with that channel. Left off when there
 * is no channel (the Home tab) or when it would not fit Slack's limit.
 */
export function withOriginChannel<V extends { private_metadata?: string }>(view: V, channelId: string | null | undefined): V {
  if (!channelId || !CHANNEL_ID.test(channelId)) return view;
  const own = splitOriginChannel(view.private_metadata ?? '').metadata;
  const metadata = `o=${channelId};${own}`;
  return metadata.length <= LIMITS.PRIVATE_METADATA ? { ...view, private_metadata: metadata } : view;
}

/** The origin channel a modal carries, and its own private_metadata without it. */
export function splitOriginChannel(raw: string): { channelId: string | null; metadata: string } {
  const match = ORIGIN_PREFIX.exec(raw);
  return match?.[1] ? { channelId: match[1], metadata: raw.slice(match[0].length) } : { channelId: null, metadata: raw };
}
