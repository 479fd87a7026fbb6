/**
 * Signed Slack requests from a workspace of an Enterprise Grid org, shaped as Slack sends them when the app is
 * installed for the whole org: the org beside the workspace, and `is_enterprise_install` true.
 */
import { blockActionsPayload, slashCommandBody, viewSubmissionPayload, type SlackRequester } from './slack-requests.ts';

export function gridRequester(requests: SlackRequester, enterpriseId: string, orgWide = true): SlackRequester {
  const form = 'application/x-www-form-urlencoded';
  const withOrg = (payload: Record<string, unknown>): Record<string, unknown> => {
    const team = payload.team as { id: string } | undefined;
    return { ...payload, ...(team ? { team: { ...team, enterprise_id: enterpriseId, enterprise_name: `Org ${enterpriseId}` } } : {}), enterprise: { id: enterpriseId, name: `Org ${enterpriseId}` }, is_enterprise_install: orgWide };
  };
  const interaction = (payload: unknown, options?: Parameters<SlackRequester['send']>[2]) =>
    requests.send(new URLSearchParams({ payload: JSON.stringify(withOrg(payload as Record<string, unknown>)) }).toString(), form, options);
  return {
    ...requests,
    command: (input, options) => {
      const body = new URLSearchParams(slashCommandBody(input));
      body.set('enterprise_id', enterpriseId);
      body.set('enterprise_name', `Org ${enterpriseId}`);
      body.set('is_enterprise_install', String(orgWide));
      return requests.send(body.toString(), form, options);
    },
    interaction,
    action: (input, options) => interaction(blockActionsPayload(input), options),
    submitView: (input, options) => interaction(viewSubmissionPayload(input), options),
    event: (payload, options) => {
      const body = payload as Record<string, unknown>;
      const authorizations = (body.authorizations as Record<string, unknown>[] | undefined)?.map((a) => ({ ...a, enterprise_id: enterpriseId, is_enterprise_install: orgWide, ...(orgWide ? { team_id: null } : {}) }));
      return requests.send(JSON.stringify({ ...body, enterprise_id: enterpriseId, is_enterprise_install: orgWide, ...(authorizations ? { authorizations } : {}) }), 'application/json', options);
    },
  };
}
