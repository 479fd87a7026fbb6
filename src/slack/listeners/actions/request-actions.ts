import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { ACTION_IDS } from '../../../../blocks/ids.ts';
import { decodeMetadata, requestModalMetadataSchema, withOriginChannel } from '../../../../blocks/metadata.ts';
import { requestModal } from '../../../../blocks/request-modal.ts';
import { decodeValue, requestActionValueSchema } from '../../../../blocks/values.ts';
import { DomainError } from '../../../domain/index.ts';
import type { SlackDeps } from '../../context.ts';
import { tellUser } from '../../errors.ts';
import { withdrawConfirmation } from '../commands/requester-subcommands.ts';
import { actionOrigin, buttonSchema } from './payload.ts';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const DAMAGED = new DomainError('invalid_input', 'This button does not carry a valid request, so nothing happened.');

async function requestButton(args: ActionArgs) {
  const origin = actionOrigin(args.body);
  if (!origin) return null;
  const button = buttonSchema.safeParse(args.action);
  const value = button.success ? decodeValue(requestActionValueSchema, button.data.value) : null;
  if (!value) {
    await tellUser(args.client, origin, DAMAGED, args.logger);
    return null;
  }
  return { origin, submissionId: value.s };
}

/** "Withdraw…" on the tracking card opens the same confirmation as `/approval withdraw <id>`. */
export function withdrawClick(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const click = await requestButton(args);
    if (!click) return;
    try {
      const submission = await deps.services.submissions.get(click.origin.teamId, click.submissionId);
      const view = withdrawConfirmation(submission.requesterId, click.origin.userId, submission);
      await args.client.views.open({ trigger_id: click.origin.body.trigger_id, view: withOriginChannel(view, click.origin.channelId) });
    } catch (error) {
      await tellUser(args.client, click.origin, error, args.logger);
    }
  };
}

/** "Revise and resubmit" opens the request form pre-filled; submitting it links the new request to this one. */
export function resubmitClick(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const click = await requestButton(args);
    if (!click) return;
    const { teamId, userId } = click.origin;
    try {
      // Refused here, before the form opens, when it is not theirs or was already revised.
      const old = await deps.services.submissions.revisable(teamId, click.submissionId, userId);
      const current = await deps.services.workflows.getVersion(teamId, old.workflowKey);
      const view = requestModal({
        workflows: [],
        selected: { key: current.key, version: current.version, definition: current.definition },
        prefill: { title: old.title, fields: old.fields },
        predecessorId: old.id,
      });
      await args.client.views.open({ trigger_id: click.origin.body.trigger_id, view: withOriginChannel(view, click.origin.channelId) });
    } catch (error) {
      await tellUser(args.client, click.origin, error, args.logger);
    }
  };
}

const pickerSchema = z.object({ selected_option: z.object({ value: z.string().min(1).max(40) }) });

/** Picking a workflow redraws the modal with that workflow's form (views.update, guarded by the view hash). */
export function workflowPicked(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const origin = actionOrigin(args.body);
    const view = origin?.body.view;
    const picked = pickerSchema.safeParse(args.action);
    if (!origin || !view || !picked.success) {
      args.logger.warn('workflow picker payload without a view or a choice; ignored');
      return;
    }
    const metadata = decodeMetadata(requestModalMetadataSchema, view.private_metadata);
    try {
      const workflows = await deps.services.workflows.list(origin.teamId, { activeOnly: true });
      const chosen = await deps.services.workflows.getVersion(origin.teamId, picked.data.selected_option.value);
      await args.client.views.update({
        view_id: view.id,
        ...(view.hash ? { hash: view.hash } : {}),
        view: withOriginChannel(requestModal({ workflows, selected: { key: chosen.key, version: chosen.version, definition: chosen.definition }, predecessorId: metadata?.p ?? null }), origin.channelId),
      });
    } catch (error) {
      // A hash conflict means the person picked again meanwhile; that later update wins.
      if ((error as { data?: { error?: string } }).data?.error === 'hash_conflict') return;
      await tellUser(args.client, { userId: origin.userId }, error, args.logger);
    }
  };
}

export function registerRequestActions(app: App, deps: SlackDeps): void {
  app.action(ACTION_IDS.withdraw, withdrawClick(deps));
  app.action(ACTION_IDS.resubmit, resubmitClick(deps));
  app.action(ACTION_IDS.workflowPicker, workflowPicked(deps));
}
