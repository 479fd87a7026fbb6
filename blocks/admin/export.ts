import type { KnownBlock, ModalView } from '@slack/types';
import { context, section } from '../cards.ts';
import { LIMITS } from '../limits.ts';
import { escapeMrkdwn } from '../text.ts';
import { ADMIN_BLOCKS, ADMIN_CALLBACKS } from './ids.ts';
import { input, modal, textInput } from './kit.ts';

const FENCE = '```';
/** Room for the fences and a little slack so escaped text never crosses the section limit. */
const CHUNK = LIMITS.SECTION_TEXT - 2 * FENCE.length - 10;

/** Splits escaped text at line ends into pieces of at most `max` characters (long lines are split too). */
function chunks(text: string, max: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const rawLine of text.split('\n')) {
    let line = rawLine;
    while (line.length > max) {
      // Cut before an entity (&amp; &lt; &gt;) rather than inside it.
      let cut = max;
      const amp = line.lastIndexOf('&', cut);
      if (amp > max - 5 && amp >= 0) cut = amp;
      if (current) out.push(current);
      current = '';
      out.push(line.slice(0, cut));
      line = line.slice(cut);
    }
    const next = current ? `${current}\n${line}` : line;
    if (next.length > max) {
      out.push(current);
      current = line;
    } else {
      current = next;
    }
  }
  if (current) out.push(current);
  return out;
}

/** YAML as code blocks, split across sections; when it needs more than `maxBlocks`, the end is cut and says so. */
export function yamlBlocks(yaml: string, maxBlocks: number): KnownBlock[] {
  const pieces = chunks(escapeMrkdwn(yaml), CHUNK);
  const fits = pieces.length <= maxBlocks;
  const shown = fits ? pieces : pieces.slice(0, Math.max(0, maxBlocks - 1));
  const blocks: KnownBlock[] = shown.map((piece) => section(`${FENCE}${piece}${FENCE}`));
  if (!fits) blocks.push(context('The YAML is longer than Slack can show here; the end is cut off.'));
  return blocks;
}

/** A workflow's YAML to copy. */
export function exportModal(name: string, version: number | null, yaml: string): ModalView {
  const title = version ? `*${escapeMrkdwn(name)}* v${version} as YAML.` : `*${escapeMrkdwn(name || 'Draft')}* (unpublished draft) as YAML.`;
  return modal('Export workflow', ADMIN_CALLBACKS.exportWorkflow, [
    section(`${title} Edit it and paste it into *Import YAML/JSON* to publish a new version.`),
    ...yamlBlocks(yaml, LIMITS.VIEW_BLOCKS - 1),
  ]);
}

/** Longest text an import accepts: Slack's plain text input holds at most this many characters. */
export const IMPORT_MAX = LIMITS.PLAIN_TEXT_INPUT;

export function importModal(initial?: string): ModalView {
  return modal('Import workflow', ADMIN_CALLBACKS.importWorkflow, [
    section('Paste a workflow definition in YAML or JSON. It is checked, then published as a new version (or a new workflow when its key is new).'),
    input(ADMIN_BLOCKS.source, 'Definition', textInput({ initial, multiline: true, maxLength: IMPORT_MAX, placeholder: 'key: purchase-order\nname: Purchase order\nstages: …' }), {
      hint: `At most ${IMPORT_MAX} characters (a limit of Slack's text boxes); JSON without indentation is shortest.`,
    }),
  ], { submit: 'Import and publish', close: 'Cancel' });
}

/** A one-message modal, used after an admin action ("Published Purchase order v3"). */
export function noticeModal(title: string, text: string): ModalView {
  return modal(title, ADMIN_CALLBACKS.done, [section(text)], { close: 'Done' });
}

export const publishedText = (name: string, version: number): string =>
  `:white_check_mark: Published *${escapeMrkdwn(name)}* v${version}. New requests use it now; requests in flight keep the version they started with.`;
