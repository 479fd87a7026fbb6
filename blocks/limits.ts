/**
 * Slack's Block Kit and Web API size limits, in UTF-16 code units as Slack counts them.
 * Builders truncate to these; the fake Slack server in test/support rejects anything above them.
 */
export const LIMITS = {
  // messages
  MESSAGE_TEXT: 40_000,
  MESSAGE_BLOCKS: 50,
  // modals and the Home tab
  VIEW_BLOCKS: 100,
  MODAL_TITLE: 24,
  MODAL_BUTTON: 24, // submit and close
  PRIVATE_METADATA: 3000,
  CALLBACK_ID: 255,
  EXTERNAL_ID: 255,
  // blocks
  BLOCK_ID: 255,
  SECTION_TEXT: 3000,
  SECTION_FIELDS: 10,
  FIELD_TEXT: 2000,
  HEADER_TEXT: 150,
  CONTEXT_ELEMENTS: 10,
  ACTION_ELEMENTS: 25,
  INPUT_LABEL: 2000,
  INPUT_HINT: 2000,
  IMAGE_URL: 3000,
  ALT_TEXT: 2000,
  IMAGE_TITLE: 2000,
  // elements
  ACTION_ID: 255,
  BUTTON_TEXT: 75,
  BUTTON_VALUE: 2000,
  BUTTON_URL: 3000,
  PLACEHOLDER: 150,
  PLAIN_TEXT_INPUT: 3000, // initial_value, min_length and max_length
  SELECT_OPTIONS: 100,
  OPTION_GROUPS: 100,
  OPTION_GROUP_LABEL: 75,
  OVERFLOW_OPTIONS: 5,
  CHECKBOX_OPTIONS: 10,
  RADIO_OPTIONS: 10,
  OPTION_TEXT: 75,
  OPTION_VALUE: 150,
  OPTION_DESCRIPTION: 75,
  // confirmation dialogs on buttons
  CONFIRM_TITLE: 100,
  CONFIRM_TEXT: 300,
  CONFIRM_BUTTON: 30,
} as const;

export type LimitName = keyof typeof LIMITS;
