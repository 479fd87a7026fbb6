export { apiPlugin, createApiHandler, SYSTEM_CHAIN_ID } from './plugin.ts';
export { openApiDocument } from './openapi.ts';
export { STATUS_OF_REFUSAL, ApiError } from './errors.ts';
