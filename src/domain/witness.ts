import { parseCheckpointPayload, type SignedCheckpoint } from './checkpoint.ts';

/**
 * Checkpoints kept outside the database (the witness channel's posts, exports' trailing checkpoints, files an
 * operator keeps), read back for verification. A witnessed checkpoint says where it came from, so a report
 * can name the one the chain no longer matches.
 */
export interface WitnessedCheckpoint extends SignedCheckpoint {
  /** Where it was read: `checkpoints.jsonl line 12`, `Slack C0123 message 1712345678.000100`, `audit_checkpoint`. */
  readonly source: string;
}

const PAYLOAD = String.raw`audit-checkpoint/v1\nchain=[^\n]+\nseq=\d+\nhash=[0-9a-f]{64}\ncount=\d+\nsigned_at=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\nkey=[0-9a-f]{16}`;
const SIGNATURE = '[A-Za-z0-9+/]{20,}={0,2}';
/**
 * The checkpoint text (payload, "\n", `signature=<base64>`) as the witness channel and the docs show it, or a
 * CSV export's checkpoint row (the payload as a quoted field, then the signature column).
 */
const IN_TEXT = new RegExp(String.raw`(${PAYLOAD})(?:\r?\nsignature=|",)(${SIGNATURE})`, 'g');

const withSource = (payload: string, signature: string, source: string): WitnessedCheckpoint | null => {
  const head = parseCheckpointPayload(payload);
  return head ? { ...head, payload, signature, source } : null;
};

/** Slack writes &, < and > as entities in message text; CRLF line ends come from files edited elsewhere. */
const plain = (text: string): string => text.replace(/\r\n/g, '\n').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Every checkpoint text found anywhere in a piece of text (a Slack message, a CSV export, a pasted note). */
export function checkpointsInText(text: string, source: string): WitnessedCheckpoint[] {
  const found: WitnessedCheckpoint[] = [];
  for (const match of plain(text).matchAll(IN_TEXT)) {
    const checkpoint = withSource(match[1] as string, match[2] as string, source);
    if (checkpoint) found.push(checkpoint);
  }
  return found;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checkpoints from a file an operator kept: JSON Lines (an export's checkpoint lines, or the audit API's
 * checkpoint objects: anything with `payload` and `signature`; event lines are skipped), a CSV export, or
 * checkpoint texts as the witness channel posts them. Each is named by file and line.
 */
export function checkpointsInFile(content: string, name: string): WitnessedCheckpoint[] {
  const found: WitnessedCheckpoint[] = [];
  const text = content.replace(/\r\n/g, '\n');
  // Matches come in order, so line numbers are counted forward once over the whole text.
  let counted = 0;
  let line = 1;
  const lineOf = (offset: number): number => {
    for (let i = text.indexOf('\n', counted); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
    counted = offset;
    return line;
  };
  text.split('\n').forEach((line, index) => {
    if (!line.trimStart().startsWith('{')) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return;
    }
    if (isRecord(value) && typeof value.payload === 'string' && typeof value.signature === 'string') {
      const checkpoint = withSource(value.payload, value.signature, `${name} line ${index + 1}`);
      if (checkpoint) found.push(checkpoint);
    }
  });
  for (const match of text.matchAll(IN_TEXT)) {
    const checkpoint = withSource(match[1] as string, match[2] as string, `${name} line ${lineOf(match.index)}`);
    if (checkpoint) found.push(checkpoint);
  }
  return found;
}
