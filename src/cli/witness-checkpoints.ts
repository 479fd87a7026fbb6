import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { WebClient } from '@slack/web-api';
import { checkpointsInFile, checkpointsInText, type WitnessedCheckpoint } from '../domain/witness.ts';

/** Checkpoints from files kept outside the database (exports, saved witness posts, the audit API's checkpoint list). */
export async function checkpointsFromFiles(paths: readonly string[]): Promise<WitnessedCheckpoint[]> {
  const found: WitnessedCheckpoint[] = [];
  for (const path of paths) {
    const content = await readFile(path, 'utf8');
    const checkpoints = checkpointsInFile(content, basename(path));
    if (checkpoints.length === 0) throw new Error(`${path} holds no checkpoint (expected export lines, checkpoint objects or checkpoint texts)`);
    found.push(...checkpoints);
  }
  return found;
}

interface HistoryMessage {
  readonly ts?: string;
  readonly text?: string;
  readonly bot_id?: string;
  readonly blocks?: readonly { readonly text?: { readonly text?: string } }[];
}

const PAGE_SIZE = 200;

/**
 * The checkpoints this app posted to the witness channel, read back with conversations.history page by page
 * (newest first, following response_metadata.next_cursor). Only messages from this app's own bot count:
 * anyone in the channel can post text, but only the app posts there as the bot (the bot id from auth.test).
 */
export async function checkpointsFromSlack(options: { token: string; channelId: string; slackApiUrl?: string }): Promise<WitnessedCheckpoint[]> {
  const client = new WebClient(options.token, { ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}), retryConfig: { retries: 5 } });
  const self = await client.auth.test();
  const found: WitnessedCheckpoint[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.conversations.history({ channel: options.channelId, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
    for (const message of (page.messages ?? []) as HistoryMessage[]) {
      if (!message.bot_id || message.bot_id !== self.bot_id) continue;
      const texts = [message.text ?? '', ...(message.blocks ?? []).map((block) => block.text?.text ?? '')];
      const source = `Slack ${options.channelId} message ${message.ts ?? '?'}`;
      const inMessage = new Map<string, WitnessedCheckpoint>();
      for (const text of texts) for (const checkpoint of checkpointsInText(text, source)) inMessage.set(checkpoint.signature, checkpoint);
      found.push(...inMessage.values());
    }
    cursor = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
  } while (cursor);
  return found;
}
