/** What a REST API token may do; each route names the scopes that let a token call it. */
export const API_SCOPES = ['submissions:write', 'submissions:read', 'audit:read', 'workflows:write', 'queues:admin', 'tokens:admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];
