import { z } from 'zod';
import type { Services } from '../../services/index.ts';
import { defineRoute, type ApiRoute } from './route.ts';
import { tokenListView, tokenView } from './schemas.ts';

const tokenParams = z.object({ id: z.uuid('must be an API token id') });

/** Admins list and revoke their workspace's API tokens with a tokens:admin token; each list and revocation is audited. */
export function tokenRoutes(services: Services): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/api/v1/tokens', summary: 'The workspace\'s API tokens, newest first, never their secrets; the token owner must be an approval admin.',
      scopes: ['tokens:admin'], response: tokenListView, errors: [401, 403],
      handle: async ({ auth }) => ({ body: { tokens: await services.tokenAdmin.list(auth.teamId, { kind: 'admin', userId: auth.userId }, auth.meta) } }),
    }),
    defineRoute({
      method: 'DELETE', path: '/api/v1/tokens/:id', summary: 'Revokes one of the workspace\'s API tokens: it is refused from the next request on. Revoking a revoked token changes nothing.',
      scopes: ['tokens:admin'], params: tokenParams, response: tokenView, errors: [400, 401, 403, 404],
      handle: async ({ params, auth }) => ({ body: await services.tokenAdmin.revoke(params.id, { kind: 'admin', userId: auth.userId }, auth.meta, auth.teamId) }),
    }),
  ];
}
