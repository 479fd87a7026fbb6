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
