import type { KnownBlock, ModalView } from '@slack/types';
import { context, section } from '../cards.ts';
import { LIMITS } from '../limits.ts';
import { escapeMrkdwn } from '../text.ts';
import { ADMIN_BLOCKS, ADMIN_CALLBACKS, INPUT_ACTION } from './ids.ts';
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

/** The file name a workflow's YAML is sent as. */
export const exportFileName = (key: string): string => `${key || 'workflow'}.yaml`;

/** How a workflow's YAML reached the admin: as a file in their DM with the app (any size), or not (then only shown here). */
export type ExportDelivery = { readonly sent: true; readonly filename: string } | { readonly sent: false; readonly problem: string };

const deliveryText = (delivery: ExportDelivery): string => delivery.sent
  ? `I sent it to you as *${escapeMrkdwn(delivery.filename)}* in our DM: download it, edit it, and attach it in *Import YAML/JSON* to publish a new version.`
  : `:warning: I could not send it to you as a file (${escapeMrkdwn(delivery.problem)}); copy it from below and save it as a .yaml file, then attach that file in *Import YAML/JSON*.`;

/** A workflow's YAML: sent as a file (any size), and shown here too. */
export function exportModal(name: string, version: number | null, yaml: string, delivery: ExportDelivery): ModalView {
  const title = version ? `*${escapeMrkdwn(name)}* v${version} as YAML.` : `*${escapeMrkdwn(name || 'Draft')}* (unpublished draft) as YAML.`;
  return modal('Export workflow', ADMIN_CALLBACKS.exportWorkflow, [
    section(`${title} ${deliveryText(delivery)}`),
    ...yamlBlocks(yaml, LIMITS.VIEW_BLOCKS - 1),
  ]);
}

/** Longest text the paste box accepts: Slack's plain text input holds at most this many characters. */
export const IMPORT_MAX = LIMITS.PLAIN_TEXT_INPUT;

export function importModal(initial?: string): ModalView {
  return modal('Import workflow', ADMIN_CALLBACKS.importWorkflow, [
    section('Attach a workflow definition file (YAML or JSON, such as one sent by *Export YAML*), or paste a short one. It is checked, then published as a new version (or a new workflow when its key is new).'),
    input(ADMIN_BLOCKS.sourceFile, 'Definition file', { type: 'file_input', action_id: INPUT_ACTION, filetypes: ['yaml', 'yml', 'json', 'txt'], max_files: 1 }, {
      optional: true, hint: 'Any size: the largest workflows go this way.',
    }),
    input(ADMIN_BLOCKS.source, 'Or paste it here', textInput({ initial, multiline: true, maxLength: IMPORT_MAX, placeholder: 'key: purchase-order\nname: Purchase order\nstages: …' }), {
      optional: true, hint: `At most ${IMPORT_MAX} characters (a limit of Slack's text boxes); for anything longer, attach the file above.`,
    }),
  ], { submit: 'Import and publish', close: 'Cancel' });
}

/** A one-message modal, used after an admin action ("Published Purchase order v3"). */
export function noticeModal(title: string, text: string): ModalView {
  return modal(title, ADMIN_CALLBACKS.done, [section(text)], { close: 'Done' });
}

export const publishedText = (name: string, version: number): string =>
  `:white_check_mark: Published *${escapeMrkdwn(name)}* v${version}. New requests use it now; requests in flight keep the version they started with.`;
