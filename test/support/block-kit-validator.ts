/**
 * Block Kit limit checks as Slack's API applies them, used by the fake Slack server.
 * Problems carry a JSON pointer and a message worded like Slack's own
 * (`must be less than 3001 characters [json-pointer:/blocks/0/text/text]`).
 */
import { LIMITS } from '../../blocks/limits.ts';

export type Surface = 'message' | 'modal' | 'home';
export interface Problem {
  pointer: string;
  message: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const SELECTS = ['static_select', 'external_select', 'users_select', 'conversations_select', 'channels_select'];
const ALL_SELECTS = [...SELECTS, ...SELECTS.map((s) => `multi_${s}`)];
const CHOICES = ['checkboxes', 'radio_buttons', 'datepicker', 'timepicker', 'datetimepicker'];
const ACTION_TYPES = new Set(['button', 'overflow', ...ALL_SELECTS, ...CHOICES, 'workflow_button']);
const ACCESSORY_TYPES = new Set(['button', 'overflow', 'image', ...ALL_SELECTS, ...CHOICES, 'workflow_button']);
const INPUT_TYPES = new Set([
  'plain_text_input', 'email_text_input', 'url_text_input', 'number_input', 'rich_text_input', 'file_input',
  ...ALL_SELECTS, ...CHOICES,
]);
const BLOCK_TYPES: Record<Surface, Set<string>> = {
  message: new Set(['section', 'divider', 'image', 'actions', 'context', 'header', 'input', 'file', 'rich_text', 'video', 'markdown']),
  modal: new Set(['section', 'divider', 'image', 'actions', 'context', 'header', 'input', 'rich_text', 'video']),
  home: new Set(['section', 'divider', 'image', 'actions', 'context', 'header', 'input', 'rich_text', 'video']),
};
const OPTION_LIMITS: Record<string, number> = {
  overflow: LIMITS.OVERFLOW_OPTIONS,
  checkboxes: LIMITS.CHECKBOX_OPTIONS,
  radio_buttons: LIMITS.RADIO_OPTIONS,
};

export function formatProblem(p: Problem): string {
  return `${p.message} [json-pointer:${p.pointer}]`;
}

/** Collects problems while walking one surface. */
class Checker {
  readonly problems: Problem[] = [];
  private readonly blockIds = new Set<string>();

  add(pointer: string, message: string): void {
    this.problems.push({ pointer, message });
  }

  str(value: unknown, pointer: string, max: number, min = 0): void {
    if (value === undefined) return;
    if (typeof value !== 'string') return this.add(pointer, 'must be a string');
    if (value.length > max) this.add(pointer, `must be less than ${max + 1} characters`);
    else if (value.length < min) this.add(pointer, `must be more than ${min - 1} characters`);
  }

  count(value: unknown, pointer: string, max: number): unknown[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.add(pointer, 'must be an array');
      return [];
    }
    if (value.length > max) this.add(pointer, `no more than ${max} items allowed`);
    return value;
  }

  /** A text object; `plainOnly` for the fields Slack restricts to plain_text. */
  text(value: unknown, pointer: string, max: number, opts: { plainOnly?: boolean; required?: boolean } = {}): void {
    if (value === undefined) {
      if (opts.required) this.add(pointer, 'missing required field');
      return;
    }
    if (!isObj(value)) return this.add(pointer, 'must be a text object');
    const allowed = opts.plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
    if (typeof value.type !== 'string' || !allowed.includes(value.type)) {
      this.add(`${pointer}/type`, `must be one of [${allowed.join(', ')}]`);
    }
    if (typeof value.text !== 'string') return this.add(`${pointer}/text`, 'missing required field');
    this.str(value.text, `${pointer}/text`, max, 1);
  }

  blockId(block: Obj, pointer: string): void {
    const id = block.block_id;
    this.str(id, `${pointer}/block_id`, LIMITS.BLOCK_ID);
    if (typeof id !== 'string') return;
    if (this.blockIds.has(id)) this.add(`${pointer}/block_id`, `duplicate block_id: ${id}`);
    this.blockIds.add(id);
  }

  option(opt: unknown, pointer: string): void {
    if (!isObj(opt)) return this.add(pointer, 'must be an option object');
    this.text(opt.text, `${pointer}/text`, LIMITS.OPTION_TEXT, { required: true });
    if (typeof opt.value !== 'string') this.add(`${pointer}/value`, 'missing required field');
    this.str(opt.value, `${pointer}/value`, LIMITS.OPTION_VALUE);
    this.text(opt.description, `${pointer}/description`, LIMITS.OPTION_DESCRIPTION);
  }

  confirm(value: unknown, pointer: string): void {
    if (!isObj(value)) return;
    this.text(value.title, `${pointer}/title`, LIMITS.CONFIRM_TITLE, { plainOnly: true });
    this.text(value.text, `${pointer}/text`, LIMITS.CONFIRM_TEXT, { required: true });
    this.text(value.confirm, `${pointer}/confirm`, LIMITS.CONFIRM_BUTTON, { plainOnly: true });
    this.text(value.deny, `${pointer}/deny`, LIMITS.CONFIRM_BUTTON, { plainOnly: true });
  }

  element(el: unknown, pointer: string, allowed: Set<string>): void {
    if (!isObj(el)) return this.add(pointer, 'must be an element object');
    const type = el.type;
    if (typeof type !== 'string' || !allowed.has(type)) return this.add(`${pointer}/type`, `unsupported type: ${String(type)}`);
    this.str(el.action_id, `${pointer}/action_id`, LIMITS.ACTION_ID);
    this.text(el.placeholder, `${pointer}/placeholder`, LIMITS.PLACEHOLDER, { plainOnly: true });
    this.confirm(el.confirm, `${pointer}/confirm`);
    switch (type) {
      case 'button':
        this.text(el.text, `${pointer}/text`, LIMITS.BUTTON_TEXT, { plainOnly: true, required: true });
        this.str(el.value, `${pointer}/value`, LIMITS.BUTTON_VALUE);
        this.str(el.url, `${pointer}/url`, LIMITS.BUTTON_URL);
        return;
      case 'image':
        this.str(el.image_url, `${pointer}/image_url`, LIMITS.IMAGE_URL);
        this.str(el.alt_text, `${pointer}/alt_text`, LIMITS.ALT_TEXT, 1);
        return;
      case 'plain_text_input':
        this.str(el.initial_value, `${pointer}/initial_value`, LIMITS.PLAIN_TEXT_INPUT);
        for (const key of ['min_length', 'max_length']) {
          const n = el[key];
          if (typeof n === 'number' && n > LIMITS.PLAIN_TEXT_INPUT) {
            this.add(`${pointer}/${key}`, `must be less than or equal to ${LIMITS.PLAIN_TEXT_INPUT}`);
          }
        }
        return;
    }
    const options = this.count(el.options, `${pointer}/options`, OPTION_LIMITS[type] ?? LIMITS.SELECT_OPTIONS);
    options.forEach((o, i) => this.option(o, `${pointer}/options/${i}`));
    const groups = this.count(el.option_groups, `${pointer}/option_groups`, LIMITS.OPTION_GROUPS);
    groups.forEach((g, i) => {
      const at = `${pointer}/option_groups/${i}`;
      if (!isObj(g)) return this.add(at, 'must be an option group object');
      this.text(g.label, `${at}/label`, LIMITS.OPTION_GROUP_LABEL, { plainOnly: true, required: true });
      this.count(g.options, `${at}/options`, LIMITS.SELECT_OPTIONS).forEach((o, j) => this.option(o, `${at}/options/${j}`));
    });
  }

  block(block: unknown, pointer: string, surface: Surface): void {
    if (!isObj(block)) return this.add(pointer, 'must be a block object');
    const type = block.type;
    if (typeof type !== 'string' || !BLOCK_TYPES[surface].has(type)) {
      return this.add(`${pointer}/type`, `unsupported type: ${String(type)}`);
    }
    this.blockId(block, pointer);
    switch (type) {
      case 'section': {
        if (block.text === undefined && block.fields === undefined) this.add(pointer, 'must define either `text` or `fields`');
        this.text(block.text, `${pointer}/text`, LIMITS.SECTION_TEXT);
        const fields = this.count(block.fields, `${pointer}/fields`, LIMITS.SECTION_FIELDS);
        fields.forEach((f, i) => this.text(f, `${pointer}/fields/${i}`, LIMITS.FIELD_TEXT));
        if (block.accessory !== undefined) this.element(block.accessory, `${pointer}/accessory`, ACCESSORY_TYPES);
        return;
      }
      case 'header':
        return this.text(block.text, `${pointer}/text`, LIMITS.HEADER_TEXT, { plainOnly: true, required: true });
      case 'context': {
        const elements = this.count(block.elements, `${pointer}/elements`, LIMITS.CONTEXT_ELEMENTS);
        elements.forEach((e, i) => {
          const at = `${pointer}/elements/${i}`;
          if (isObj(e) && e.type === 'image') this.element(e, at, new Set(['image']));
          else this.text(e, at, Number.MAX_SAFE_INTEGER); // Slack documents no length limit here
        });
        return;
      }
      case 'actions': {
        const elements = this.count(block.elements, `${pointer}/elements`, LIMITS.ACTION_ELEMENTS);
        // Slack wants action_id unique "among all other action_ids in the containing block".
        const seen = new Set<string>();
        elements.forEach((e, i) => {
          this.element(e, `${pointer}/elements/${i}`, ACTION_TYPES);
          const id = isObj(e) ? e.action_id : undefined;
          if (typeof id !== 'string') return;
          if (seen.has(id)) this.add(`${pointer}/elements/${i}/action_id`, `duplicate action_id: ${id}`);
          seen.add(id);
        });
        return;
      }
      case 'input':
        this.text(block.label, `${pointer}/label`, LIMITS.INPUT_LABEL, { plainOnly: true, required: true });
        this.text(block.hint, `${pointer}/hint`, LIMITS.INPUT_HINT, { plainOnly: true });
        if (block.element === undefined) return this.add(`${pointer}/element`, 'missing required field');
        return this.element(block.element, `${pointer}/element`, INPUT_TYPES);
      case 'image':
        this.str(block.image_url, `${pointer}/image_url`, LIMITS.IMAGE_URL);
        this.str(block.alt_text, `${pointer}/alt_text`, LIMITS.ALT_TEXT, 1);
        return this.text(block.title, `${pointer}/title`, LIMITS.IMAGE_TITLE, { plainOnly: true });
    }
  }
}

/** Checks the blocks of one message or view; `base` is the JSON pointer of the blocks array. */
export function validateBlocks(blocks: unknown, surface: Surface, base = surface === 'message' ? '/blocks' : '/view/blocks'): Problem[] {
  const checker = new Checker();
  checkBlocks(checker, blocks, surface, base);
  return checker.problems;
}

function checkBlocks(checker: Checker, blocks: unknown, surface: Surface, base: string): void {
  const max = surface === 'message' ? LIMITS.MESSAGE_BLOCKS : LIMITS.VIEW_BLOCKS;
  checker.count(blocks, base, max).forEach((b, i) => checker.block(b, `${base}/${i}`, surface));
}

/** Checks a whole view object (modal or home), as views.open/push/update/publish receive it. */
export function validateView(view: unknown, base = '/view'): Problem[] {
  const checker = new Checker();
  if (!isObj(view)) {
    checker.add(base, 'must be a view object');
    return checker.problems;
  }
  if (view.type !== 'modal' && view.type !== 'home') {
    checker.add(`${base}/type`, 'must be one of [modal, home]');
    return checker.problems;
  }
  if (view.blocks === undefined) checker.add(`${base}/blocks`, 'missing required field');
  checkBlocks(checker, view.blocks, view.type, `${base}/blocks`);
  checker.str(view.private_metadata, `${base}/private_metadata`, LIMITS.PRIVATE_METADATA);
  checker.str(view.callback_id, `${base}/callback_id`, LIMITS.CALLBACK_ID);
  checker.str(view.external_id, `${base}/external_id`, LIMITS.EXTERNAL_ID);
  if (view.type === 'modal') {
    checker.text(view.title, `${base}/title`, LIMITS.MODAL_TITLE, { plainOnly: true, required: true });
    checker.text(view.submit, `${base}/submit`, LIMITS.MODAL_BUTTON, { plainOnly: true });
    checker.text(view.close, `${base}/close`, LIMITS.MODAL_BUTTON, { plainOnly: true });
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObj(b) && b.type === 'input');
    if (hasInput && view.submit === undefined) checker.add(`${base}/submit`, 'must provide `submit` when the view has input blocks');
  }
  return checker.problems;
}
