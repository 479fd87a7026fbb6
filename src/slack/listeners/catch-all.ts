import type {
  AllMiddlewareArgs, AnyMiddlewareArgs, App, Middleware, SlackAction, SlackActionMiddlewareArgs, SlackCommandMiddlewareArgs, SlackOptionsMiddlewareArgs,
  SlackShortcutMiddlewareArgs, SlackViewMiddlewareArgs,
} from '@slack/bolt';
import { staleControlMessage, staleFormModal, unknownCommandMessage } from '../../../blocks/stale.ts';

type Kind = 'action' | 'view' | 'command' | 'shortcut' | 'options';
type Constraint = string | RegExp | Record<string, unknown>;

/** One constraint as Bolt matches it: a string exactly, a RegExp by test, an object by its id field. */
function matches(constraint: Constraint, id: string, idField: string): boolean {
  if (typeof constraint === 'string') return constraint === id;
  if (constraint instanceof RegExp) return constraint.test(id);
  const field = constraint[idField];
  // An object without the id (e.g. only a type) could match anything of its kind: treat it as handled.
  if (field === undefined) return true;
  return typeof field === 'string' ? field === id : field instanceof RegExp ? field.test(id) : false;
}

const ID_FIELD: Record<Kind, string> = { action: 'action_id', view: 'callback_id', command: 'command', shortcut: 'callback_id', options: 'action_id' };

type ActionListener = Middleware<SlackActionMiddlewareArgs>;

/**
 * Keeps track of what the listeners register, so that whatever Slack sends and nobody handles can be
 * answered at once (Bolt would leave it unanswered, and Slack shows an error after 3 s).
 *
 * A button registered by its action id alone, with one listener, is found by that id: Bolt would run every
 * listener's matching chain for every request (dozens of promise chains per click), so such buttons are
 * dispatched from one middleware and their requests go no further. Everything else is Bolt's to match.
 */
export function listenerRegistry(app: App): { readonly app: App; handles(kind: Kind, id: string): boolean } {
  const registered: Record<Kind, Constraint[]> = { action: [], view: [], command: [], shortcut: [], options: [] };
  const buttons = new Map<string, ActionListener[]>();
  app.use(async (args) => {
    const listeners = args.body.type === 'block_actions' ? buttons.get(actionIdOf(args.body as SlackAction)) : undefined;
    if (!listeners) {
      await args.next();
      return;
    }
    // A block_actions request: Bolt has made the action arguments (action, ack, respond, say) for it.
    const actionArgs = args as SlackActionMiddlewareArgs & AllMiddlewareArgs;
    await Promise.all(listeners.map((listener) => listener({ ...actionArgs, next: async () => undefined })));
  });
  const recording = new Proxy(app, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (typeof property === 'string' && property in registered) {
        return (constraint: Constraint, ...rest: unknown[]) => {
          registered[property as Kind].push(constraint);
          const [only] = rest;
          if (property === 'action' && typeof constraint === 'string' && rest.length === 1 && typeof only === 'function') {
            buttons.set(constraint, [...(buttons.get(constraint) ?? []), only as ActionListener]);
            return target;
          }
          return method.call(target, constraint, ...rest);
        };
      }
      return method.bind(target);
    },
  });
  return {
    app: recording,
    handles: (kind, id) => registered[kind].some((constraint) => matches(constraint, id, ID_FIELD[kind])),
  };
}

/** The id Bolt matched an interaction on: an action's action_id, else a legacy callback_id. */
function actionIdOf(action: SlackAction): string {
  const first = 'actions' in action && Array.isArray(action.actions) ? (action.actions[0] as { action_id?: unknown } | undefined) : undefined;
  const id = first?.action_id ?? (action as { callback_id?: unknown }).callback_id;
  return typeof id === 'string' ? id : '';
}

/** Lets only what no other listener handles through to the catch-all. */
const unhandled = <A extends AnyMiddlewareArgs>(handles: (id: string) => boolean, idOf: (args: A) => string): Middleware<A> =>
  async (args) => {
    if (!handles(idOf(args))) await args.next();
  };

/**
 * Registered after every other listener: an action, a form, a command, a shortcut or a menu this version of
 * the app does not handle is acknowledged at once, and the person is told the control is no longer supported
 * (in the channel, or by DM when it came from a modal or the Home tab).
 */
export function registerCatchAll(app: App, registry: ReturnType<typeof listenerRegistry>): void {
  app.action(/.*/, unhandled<SlackActionMiddlewareArgs>((id) => registry.handles('action', id), (args) => actionIdOf(args.body)),
    async ({ ack, body, client, logger }: SlackActionMiddlewareArgs & AllMiddlewareArgs) => {
      await ack();
      const userId = body.user.id;
      const channelId = 'channel' in body && body.channel?.id && 'container' in body && (body.container as { type?: string }).type === 'message' ? body.channel.id : null;
      logger.info(`answered an action this version does not handle: ${actionIdOf(body)}`);
      const reply = staleControlMessage();
      try {
        if (channelId) await client.chat.postEphemeral({ channel: channelId, user: userId, text: reply.text, blocks: reply.blocks });
        else await client.chat.postMessage({ channel: userId, text: reply.text, blocks: reply.blocks });
      } catch (error) {
        logger.warn('could not tell a user that a button is no longer supported', error);
      }
    });
  const viewUnhandled = unhandled<SlackViewMiddlewareArgs>((id) => registry.handles('view', id), (args) => args.body.view.callback_id);
  app.view({ callback_id: /.*/, type: 'view_submission' }, viewUnhandled,
    async ({ ack, body, logger }: SlackViewMiddlewareArgs & AllMiddlewareArgs) => {
      logger.info(`answered a form this version does not handle: ${body.view.callback_id}`);
      await ack({ response_action: 'update', view: staleFormModal() });
    });
  app.view({ callback_id: /.*/, type: 'view_closed' }, viewUnhandled,
    async ({ ack }: SlackViewMiddlewareArgs) => {
      await ack();
    });
  app.command(/.*/, unhandled<SlackCommandMiddlewareArgs>((id) => registry.handles('command', id), (args) => args.command.command),
    async ({ ack, command }: SlackCommandMiddlewareArgs) => {
      const reply = unknownCommandMessage(command.command);
      await ack({ response_type: 'ephemeral', text: reply.text, blocks: reply.blocks });
    });
  app.shortcut(/.*/, unhandled<SlackShortcutMiddlewareArgs>((id) => registry.handles('shortcut', id), (args) => args.shortcut.callback_id),
    async ({ ack }: SlackShortcutMiddlewareArgs) => {
      await ack();
    });
  app.options(/.*/, unhandled<SlackOptionsMiddlewareArgs>((id) => registry.handles('options', id), (args) => String((args.payload as { action_id?: unknown }).action_id ?? '')),
    async ({ ack }: SlackOptionsMiddlewareArgs) => {
      await ack({ options: [] });
    });
}
