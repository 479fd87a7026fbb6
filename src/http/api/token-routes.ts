import { z } from 'zod';
import { API_SCOPES } from '../../domain/index.ts';
import type { Services } from '../../services/index.ts';
import { defineRoute, type ApiRoute } from './route.ts';

const isoTime = z.iso.datetime({ offset: true });

export const tokenView = z.object({
  id: z.string(),
  teamId: z.string(),
  ownerId: z.string().describe('The Slack user the token acts for.'),
  name: z.string(),
  scopes: z.array(z.enum(API_SCOPES)).readonly(),
  createdBy: z.string(),
  createdAt: isoTime,
  lastUsedAt: isoTime.nullable(),
  revokedAt: isoTime.nullable().describe('Set once revoked: the token is refused from then on.'),
  revokedBy: z.string().nullable().describe('The admin\'s Slack user id, or cli:<who ran token:revoke>.'),
}).meta({ id: 'ApiToken' });
const tokenParams = z.object({ id: z.uuid('must be an API token id') });

/** Admins list and revoke their workspace's API tokens with a tokens:admin token; each list and revocation is audited. */
export function tokenRoutes(services: Services): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/api/v1/tokens', summary: 'The workspace\'s API tokens, newest first, never their secrets; the token owner must be an approval admin.',
      scopes: ['tokens:admin'], response: z.object({ tokens: z.array(tokenView) }), errors: [401, 403],
      handle: async ({ auth }) => ({ body: { tokens: await services.tokenAdmin.list(auth.teamId, { kind: 'admin', userId: auth.userId }, auth.meta) } }),
    }),
    defineRoute({
      method: 'DELETE', path: '/api/v1/tokens/:id', summary: 'Revokes one of the workspace\'s API tokens: it is refused from the next request on. Revoking a revoked token changes nothing.',
      scopes: ['tokens:admin'], params: tokenParams, response: tokenView, errors: [400, 401, 403, 404],
      handle: async ({ params, auth }) => ({ body: await services.tokenAdmin.revoke(params.id, { kind: 'admin', userId: auth.userId }, auth.meta, auth.teamId) }),
    }),
  ];
}
