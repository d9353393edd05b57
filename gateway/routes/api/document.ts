/**
 * The OpenAPI 3.1 document of `P/api/v1` (CONTRACT §8.4), written by @hono/zod-openapi from the
 * operations the API mounts (routes/api/operations.ts) and the schemas that validate them, plus
 * what only this gateway knows: its version, its prefix and its cookie names.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { gatewayVersion } from '../../core/version.js';
import type { AppEnv } from '../../http/env.js';
import { TAGS } from './operations.js';

export interface ApiDocumentOptions {
  prefix: string;
  sessionCookie: string;
}

const DESCRIPTION = `The administrators' JSON API of a Recourse gateway (CONTRACT §5).

Call it with an API token (\`recourse token create --name N --user EMAIL\`) as \`Authorization: Bearer …\`,
or from a signed-in administrator's browser session (second factor passed), which must also send the
session's CSRF token as \`X-CSRF-Token\` on every POST. Every call is checked against the caller's current
permissions; the capability each operation needs is its \`x-recourse-capability\`.

Lists are newest first, 50 a page: pass \`next_cursor\` back as \`cursor\` until it is null. Errors are
\`{"error": {"code", "message"}}\`: \`code\` is for programs, \`message\` for people.`;

/** Registers the security schemes once, then writes the document (the caller keeps it). */
export function writeApiDocument(api: OpenAPIHono<AppEnv>, options: ApiDocumentOptions) {
  const registry = api.openAPIRegistry;
  registry.registerComponent('securitySchemes', 'apiToken', {
    type: 'http', scheme: 'bearer', description: 'An API token (`recourse token create`); it acts with its user\'s current permissions.',
  });
  registry.registerComponent('securitySchemes', 'adminSession', {
    type: 'apiKey', in: 'cookie', name: options.sessionCookie, description: 'An administrator\'s session after sign-in and second factor.',
  });
  registry.registerComponent('securitySchemes', 'csrfToken', {
    type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: 'With a session, every POST also sends the session\'s CSRF token.',
  });
  return api.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'Recourse API', version: gatewayVersion(), description: DESCRIPTION, license: { name: 'MIT' } },
    servers: [{ url: `${options.prefix}/api/v1`, description: 'This gateway' }],
    security: [{ apiToken: [] }, { adminSession: [] }],
    tags: TAGS.map((tag) => ({ ...tag })),
  });
}
