import { z } from 'zod';

/**
 * What a reviewer card button carries so its click can be gated without trusting anything else: the request,
 * the stage the card was made for and the workflow version it showed. Short keys keep it far under 2000 chars.
 */
export const cardActionValueSchema = z.object({
  s: z.uuid(),
  i: z.uuid(),
  v: z.number().int().positive(),
});
export type CardActionValue = z.infer<typeof cardActionValueSchema>;

export const encodeCardAction = (submissionId: string, stageInstanceId: string, workflowVersion: number): string =>
  JSON.stringify({ s: submissionId, i: stageInstanceId, v: workflowVersion } satisfies CardActionValue);

/** Buttons that act on a whole request (withdraw, resubmit) carry only its id. */
export const requestActionValueSchema = z.object({ s: z.uuid() });
export type RequestActionValue = z.infer<typeof requestActionValueSchema>;
export const encodeRequestAction = (submissionId: string): string => JSON.stringify({ s: submissionId } satisfies RequestActionValue);

/** Parses a button value (or any JSON text we wrote); null when it is not JSON or not the expected shape. */
export function decodeValue<T>(schema: z.ZodType<T>, raw: string | undefined): T | null {
  if (!raw) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
