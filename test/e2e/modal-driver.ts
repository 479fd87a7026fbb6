/**
 * Drives the admin modals the way Slack does: clicks inside a view, view submissions with typed values, and
 * the views the app then opened, pushed or updated (as the fake Slack stored them).
 */
import { expect } from 'vitest';
import { INPUT_ACTION } from '../../blocks/admin/ids.ts';
import type { RecordedCall } from '../support/fake-slack.ts';
import type { StartedApp } from '../support/start-app.ts';
import { mark, openHome, type Team } from './harness.ts';

export interface SeenView {
  readonly id: string;
  readonly hash: string;
  readonly callbackId: string;
  readonly privateMetadata: string;
  readonly blocks: Record<string, unknown>[];
  readonly text: string;
}

export type ViewMethod = 'views.open' | 'views.push' | 'views.update';
export type Values = Record<string, Record<string, Record<string, unknown>>>;

export const text = (value: string) => ({ [INPUT_ACTION]: { type: 'plain_text_input', value } });
export const number = (value: string) => ({ [INPUT_ACTION]: { type: 'number_input', value } });
export const choice = (value: string) => ({ [INPUT_ACTION]: { type: 'static_select', selected_option: { value } } });
export const choices = (...values: string[]) => ({ [INPUT_ACTION]: { type: 'multi_static_select', selected_options: values.map((value) => ({ value })) } });
export const checks = (...values: string[]) => ({ [INPUT_ACTION]: { type: 'checkboxes', selected_options: values.map((value) => ({ value })) } });
export const users = (...ids: string[]) => ({ [INPUT_ACTION]: { type: 'multi_users_select', selected_users: ids } });
export const person = (id: string | null) => ({ [INPUT_ACTION]: { type: 'users_select', selected_user: id } });

/** `app` is read at each call: the app starts in beforeAll, after the test file builds its driver. */
export function modalDriver(app: () => StartedApp) {
  /** The next successful call to a views method after `since`, as Slack stored it. */
  async function viewCall(method: ViewMethod, since: number): Promise<SeenView> {
    const started = app();
    const call: RecordedCall = await started.slack.waitFor((c) => c.method === method && c.response?.ok === true && started.slack.calls.indexOf(c) >= since);
    const view = call.response?.view as { id: string; hash: string; callback_id: string; private_metadata: string; blocks: Record<string, unknown>[] };
    return { id: view.id, hash: view.hash, callbackId: view.callback_id, privateMetadata: view.private_metadata, blocks: view.blocks, text: JSON.stringify(view.blocks) };
  }

  /**
   * A click on a button inside a modal the app showed, or (view null) on the person's Home tab, opened first as
   * Slack would have shown it; returns the view the app showed next.
   */
  async function click(team: Team, userId: string, view: SeenView | null, actionId: string, value: string, method: ViewMethod): Promise<SeenView> {
    const home = view ? null : await openHome(app(), team, userId);
    const since = mark(app());
    const response = await app().requests.action({
      teamId: team.teamId, userId, actionId, value,
      view: view ? { id: view.id, hash: view.hash, callbackId: view.callbackId, privateMetadata: view.privateMetadata } : { id: home?.id ?? '', hash: home?.hash ?? '', type: 'home' },
    });
    expect(response.status).toBe(200);
    return viewCall(method, since);
  }

  const submit = (team: Team, userId: string, view: SeenView, values: Values) =>
    app().requests.submitView({ teamId: team.teamId, userId, view: { id: view.id, callbackId: view.callbackId, privateMetadata: view.privateMetadata, blocks: view.blocks, hash: view.hash }, values });

  return { viewCall, click, submit };
}
