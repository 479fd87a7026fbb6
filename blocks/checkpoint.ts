import type { KnownBlock } from '@slack/types';
import type { SlackMessage } from './cards.ts';
import { LIMITS } from './limits.ts';
import { truncate } from './text.ts';

/**
 * A signed audit checkpoint as posted to the witness channel. The checkpoint text goes in a code block,
 * verbatim, so anyone can copy it and check the signature (docs/audit-format.md); it is short (~400 chars).
 */
export function checkpointWitness(input: { chainId: string; seq: number; text: string }): SlackMessage {
  const summary = `Audit checkpoint: chain ${input.chainId} up to event ${input.seq}`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`*${summary}*`, LIMITS.SECTION_TEXT) } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`\`\`\`${input.text}\`\`\``, LIMITS.SECTION_TEXT) } },
  ];
  return { text: summary, blocks };
}
