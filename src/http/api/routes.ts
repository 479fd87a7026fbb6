import { randomUUID, type KeyObject } from 'node:crypto';
import { keyIdOf, publicKeyPem, rawPublicKey } from '../../domain/checkpoint.ts';
import type { Services } from '../../services/index.ts';
import type { AuditPage } from '../../services/audit-query-service.ts';
import { DomainError } from '../../domain/index.ts';
import { ApiError } from './errors.ts';
import { fingerprint, idempotencyKeyOf, idempotent } from './idempotency.ts';
import { defineRoute, type ApiRoute, type AuthContext } from './route.ts';
import { tokenRoutes } from './token-routes.ts';
import {
  actionBody, actionView, auditChangesQuery, auditListQuery, auditPageView, checkpointListQuery, checkpointPageView, createSubmissionBody,
  decodeCursor, encodeCursor, publicKeyView, publishWorkflowBody, queueView, submissionAuditView, submissionParams, submissionView,
  toAuditEventView, toSubmissionView, workflowKeyParams, workflowVersionQuery, workflowView,
} from './schemas.ts';

export interface RouteDeps {
  readonly services: Services;
  readonly publicKey: KeyObject | null;
}

/** A page of audit events as both the list and the change feed answer it. */
const auditPageBody = (page: AuditPage) => ({ events: page.events.map(toAuditEventView), nextCursor: encodeCursor(page.nextSeq), hasMore: page.hasMore });

function cursorOr400(value: string | undefined, name: string): number {
  const seq = decodeCursor(value);
  if (seq === null) throw new ApiError(400, 'invalid_input', `Invalid ${name}: not a cursor returned by this API.`, { [name]: 'not a cursor returned by this API' });
  return seq;
}

const BODY_MEMBERS = new Set(Object.keys(createSubmissionBody.shape));
/** The form's problems under the body member they are in: `fields.amount`, as a client sent it, beside `title`. */
function namingFormFields(error: unknown): never {
  if (!(error instanceof DomainError) || error.code !== 'invalid_input') throw error;
  const fields = Object.fromEntries(Object.entries(error.fieldErrors).map(([key, message]) => [BODY_MEMBERS.has(key) ? key : `fields.${key}`, message]));
  throw new ApiError(400, 'invalid_input', error.message, fields);
}

/** The definition is the body: a problem with the definition as a whole is the body's. */
function namingDefinitionRoot(error: unknown): never {
  if (!(error instanceof DomainError) || error.code !== 'invalid_input' || !('(definition)' in error.fieldErrors)) throw error;
  const { '(definition)': whole, ...rest } = error.fieldErrors;
  throw new ApiError(400, 'invalid_input', error.message, { body: whole as string, ...rest });
}

export function buildRoutes({ services, publicKey }: RouteDeps): ApiRoute[] {
  const recordRead = (auth: AuthContext, what: Record<string, unknown>) => services.auditQuery.recordRead(auth.teamId, auth.userId, what, auth.meta);

  return [
    defineRoute({
      method: 'POST', path: '/api/v1/workflows', summary: 'Publish a new version of a workflow (JSON or YAML); the token owner must be an approval admin.',
      scopes: ['workflows:write'], body: { schema: publishWorkflowBody, kind: 'json-or-yaml' }, status: 201, response: workflowView, errors: [400, 401, 403, 415],
      handle: async ({ body, auth }) => ({ status: 201, body: await services.workflows.publish(auth.teamId, auth.userId, body, auth.meta).catch(namingDefinitionRoot) }),
    }),
    defineRoute({
      method: 'GET', path: '/api/v1/workflows/:key', summary: 'A workflow\'s current (or a given) version with its form fields and stages.',
      scopes: ['submissions:read', 'submissions:write', 'workflows:write'], params: workflowKeyParams, query: workflowVersionQuery, response: workflowView, errors: [400, 401, 403, 404],
      handle: async ({ params, query, auth }) => ({ body: await services.workflows.getVersion(auth.teamId, params.key, query.version) }),
    }),
    defineRoute({
      method: 'POST', path: '/api/v1/submissions', summary: 'Submit a request as the token owner. With an Idempotency-Key header the same key and request return the first result; the same key with another request is a 422 (idempotency_key_reused).',
      scopes: ['submissions:write'], body: { schema: createSubmissionBody, kind: 'json' }, status: 201, response: submissionView,
      headers: { 'Idempotency-Key': 'Optional, 8 to 200 visible ASCII characters; bound to this request (method, path, body): reused with another request it is a 422.' }, errors: [400, 401, 403, 404, 409, 422],
      handle: async ({ body, auth, req }) => {
        const run = async () => {
          const state = await services.submissions.submit({
            teamId: auth.teamId, requesterId: auth.userId, workflowKey: body.workflowKey, title: body.title, fields: body.fields,
            entityKey: body.entityKey ?? null, predecessorId: body.predecessorId ?? null,
          }, auth.meta).catch(namingFormFields);
          return { status: 201, body: toSubmissionView(state) };
        };
        const key = idempotencyKeyOf(req);
        return key ? idempotent(services.apiIdempotency, { teamId: auth.teamId, tokenId: auth.token.id, key }, fingerprint(req, body), 'stored', run) : run();
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/v1/submissions/:id', summary: 'A request\'s state, its open stages and who they wait for.',
      scopes: ['submissions:read'], params: submissionParams, response: submissionView, errors: [400, 401, 403, 404],
      handle: async ({ params, auth }) => ({ body: toSubmissionView(await services.submissions.get(auth.teamId, params.id)) }),
    }),
    defineRoute({
      method: 'POST', path: '/api/v1/submissions/:id/actions', summary: 'Decide on a request as the token owner (approve, reject, request_changes, delegate, retract, comment, withdraw); the same gates as a click in Slack.',
      scopes: ['submissions:write'], params: submissionParams, body: { schema: actionBody, kind: 'json' }, response: actionView,
      headers: { 'Idempotency-Key': 'Optional, 8 to 200 visible ASCII characters; the same key and request return the first outcome, the same key with another request (path or body) is a 422.' }, errors: [400, 401, 403, 404, 409, 422],
      handle: async ({ params, body, auth, req }) => {
        const header = idempotencyKeyOf(req);
        // Keys are per token, so two clients cannot collide, nor with keys Slack clicks produce.
        const idempotencyKey = `api:${auth.token.id}:${header ?? randomUUID()}`;
        const run = async () => {
          const outcome = await services.decisions.decide(body.kind === 'withdraw'
            ? { kind: 'withdraw', teamId: auth.teamId, submissionId: params.id, actorId: auth.userId, reason: body.reason ?? null, idempotencyKey }
            : {
              teamId: auth.teamId, submissionId: params.id, kind: body.kind, actorId: auth.userId,
              ...(body.stageInstanceId ? { stageInstanceId: body.stageInstanceId } : {}),
              ...(body.workflowVersion ? { workflowVersion: body.workflowVersion } : {}),
              ...(body.reason !== undefined ? { reason: body.reason } : {}),
              ...(body.delegateTo ? { delegateTo: body.delegateTo } : {}),
              idempotencyKey,
            }, auth.meta);
          const { submission, ...decided } = outcome;
          return { body: { ...decided, kind: body.kind, submissionStatus: submission.status, submission: toSubmissionView(submission) } };
        };
        // The decision service replays a key's outcome; the binding here refuses the key for any other request.
        return header ? idempotent(services.apiIdempotency, { teamId: auth.teamId, tokenId: auth.token.id, key: header }, fingerprint(req, body), 'by-run', run) : run();
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/v1/submissions/:id/audit', summary: 'A request\'s audit events with their hashes, in chain order.',
      scopes: ['audit:read'], params: submissionParams, response: submissionAuditView, errors: [400, 401, 403, 404],
      handle: async ({ params, auth }) => {
        await services.submissions.get(auth.teamId, params.id);
        const events = (await services.audit.submissionTrail(params.id)).filter((e) => e.chainId === auth.teamId);
        await recordRead(auth, { endpoint: 'submission_audit', submissionId: params.id, returned: events.length });
        return { body: { submissionId: params.id, events: events.map(toAuditEventView) } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/v1/audit', summary: 'The workspace\'s audit trail in sequence order, filtered; cursor pagination is stable while events are appended.',
      scopes: ['audit:read'], query: auditListQuery, response: auditPageView, errors: [400, 401, 403],
      handle: async ({ query, auth }) => {
        const afterSeq = cursorOr400(query.cursor, 'cursor');
        const page = await services.auditQuery.page(auth.teamId, {
          afterSeq, limit: query.limit,
          ...(query.actor ? { actorId: query.actor } : {}),
          ...(query.type ? { types: query.type.split(',').map((t) => t.trim()).filter(Boolean) } : {}),
          ...(query.workflow ? { workflowKey: query.workflow } : {}),
          ...(query.outcome ? { outcome: query.outcome } : {}),
          ...(query.from ? { from: new Date(query.from) } : {}),
          ...(query.to ? { to: new Date(query.to) } : {}),
        });
        await recordRead(auth, { endpoint: 'audit', filters: { ...query, cursor: undefined }, afterSeq, returned: page.events.length });
        return { body: auditPageBody(page) };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/v1/audit/changes', summary: 'Only what is new since the cursor of the previous poll.',
      scopes: ['audit:read'], query: auditChangesQuery, response: auditPageView, errors: [400, 401, 403],
      handle: async ({ query, auth }) => {
        const afterSeq = cursorOr400(query.since, 'since');
        const page = await services.auditQuery.page(auth.teamId, { afterSeq, limit: query.limit, ...(query.includeReads === 'true' ? {} : { excludeTypes: ['api.audit_read'] }) });
        await recordRead(auth, { endpoint: 'audit_changes', afterSeq, returned: page.events.length });
        return { body: auditPageBody(page) };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/v1/audit/checkpoints', summary: 'The workspace chain\'s signed checkpoints, oldest first.',
      scopes: ['audit:read'], query: checkpointListQuery, response: checkpointPageView, errors: [400, 401, 403],
      handle: async ({ query, auth }) => {
        const afterSeq = cursorOr400(query.cursor, 'cursor');
        const rows = await services.checkpoints.list(auth.teamId, { afterSeq, limit: query.limit + 1 });
        const hasMore = rows.length > query.limit;
        const page = rows.slice(0, query.limit);
        await recordRead(auth, { endpoint: 'audit_checkpoints', afterSeq, returned: page.length });
        const last = page[page.length - 1];
        return {
          body: {
            checkpoints: page.map((c) => ({ chainId: c.chainId, seq: c.seq, hash: c.hash, count: c.count, signedAt: c.signedAt, keyId: c.keyId, payload: c.payload, signature: c.signature })),
            nextCursor: encodeCursor(last ? last.seq : afterSeq),
            hasMore,
          },
        };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/v1/audit/public-key', summary: 'The Ed25519 public key that verifies checkpoints. Public: no token needed.',
      scopes: null, response: publicKeyView, errors: [404],
      handle: async () => {
        if (!publicKey) throw new ApiError(404, 'not_configured', 'This deployment does not sign checkpoints (AUDIT_SIGNING_KEY is not set).');
        return { body: { algorithm: 'Ed25519' as const, keyId: keyIdOf(publicKey), publicKeyPem: publicKeyPem(publicKey), publicKeyRaw: rawPublicKey(publicKey).toString('base64') } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/v1/queue', summary: 'Requests waiting for the token owner\'s decision.',
      scopes: ['submissions:read'], response: queueView, errors: [401, 403],
      handle: async ({ auth }) => {
        // The same read model as the Home tab's "Waiting for you": own stages, grants and out-of-office delegations.
        const pending = await services.home.pendingFor(auth.teamId, auth.userId);
        const bySubmission = new Map<string, string[]>();
        for (const item of pending) bySubmission.set(item.submissionId, [...(bySubmission.get(item.submissionId) ?? []), item.stageInstanceId]);
        const items = [];
        for (const [submissionId, stageInstanceIds] of bySubmission) {
          items.push({ submission: toSubmissionView(await services.submissions.get(auth.teamId, submissionId)), stageInstanceIds });
        }
        return { body: { items } };
      },
    }),
    ...tokenRoutes(services),
  ];
}
