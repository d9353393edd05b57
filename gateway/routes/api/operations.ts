/**
 * Every operation of `P/api/v1` (CONTRACT §5) declared once: path, parameters, body, answers and
 * the capability its guard checks (CONTRACT §7, `x-recourse-capability`). routes/api/v1.ts mounts
 * each with its guard and handler, which validate with these schemas; routes/api/document.ts
 * writes the OpenAPI document from them.
 */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { auditListQuery, requestListQuery } from '../../admin/filters.js';
import type { Capability } from '../../admin/permissions.js';
import {
  ActionBody, ApiError, AuditPage, BackupCodeStats, CancelBody, CodeIssued, EmailQueued, GenerateCodeBody, RecoveryRequestPage,
  RequestCancelled, RequestPath, SecondFactorReset, UserPath,
} from './schemas.js';

export const TAGS = [
  { name: 'Recovery requests', description: 'Requests for assistance and what administrators do with them' },
  { name: 'Users', description: 'Recovery actions on an account' },
  { name: 'Backup codes', description: 'How many users hold backup codes and use them' },
  { name: 'Audit log', description: 'The append-only log of sign-in decisions, recovery steps and administrator actions' },
  { name: 'Description', description: 'This document' },
] as const;
type Tag = (typeof TAGS)[number]['name'];

/** Security requirements (document.ts names the schemes): reading takes a token or a session; a session also needs the CSRF token to change anything. */
const READS: Array<Record<string, string[]>> = [{ apiToken: [] }, { adminSession: [] }];
const WRITES: Array<Record<string, string[]>> = [{ apiToken: [] }, { adminSession: [], csrfToken: [] }];

const ERRORS = {
  400: 'The query, path or body is not valid: `invalid_parameter` (the query parameter is named) or `invalid_request` (the field is named)',
  401: 'No credentials, or a token that is unknown, revoked or of a disabled user: `unauthenticated`',
  403: 'Not allowed (CONTRACT §7): `forbidden`; `step_up_required` (a session whose second factor is older than 10 minutes); `token_not_allowed` (this needs a session, never a token)',
  404: 'No such object: `not_found`',
  409: 'Not now: `request_closed`, `no_account` (the request matched no account: cancel it), `account_disabled`, `sms_unavailable`',
  415: 'The body is not `application/json`: `unsupported_media_type`',
  503: 'The database is unreachable: `unavailable`; try again after `Retry-After` seconds',
} as const;
type ErrorStatus = keyof typeof ERRORS;

const jsonContent = <S extends z.ZodType>(schema: S) => ({ 'application/json': { schema } });
const answer = <S extends z.ZodType>(schema: S, description: string) => ({ description, content: jsonContent(schema) });

function errors<const S extends ErrorStatus>(...statuses: S[]) {
  const answers: Partial<Record<ErrorStatus, { description: string; content: ReturnType<typeof jsonContent<typeof ApiError>> }>> = {};
  for (const status of statuses) {
    answers[status] = {
      description: ERRORS[status], content: jsonContent(ApiError),
      ...(status === 503 ? { headers: { 'Retry-After': { description: 'Seconds', schema: { type: 'integer' } } } } : {}),
    };
  }
  return answers as { [K in S]: { description: string; content: ReturnType<typeof jsonContent<typeof ApiError>> } };
}

interface Declared {
  tag: Tag;
  capability: Capability;
  summary: string;
  description: string;
}

function declared({ tag, capability, summary, description }: Declared): { tags: string[]; summary: string; description: string; 'x-recourse-capability': Capability } {
  return { tags: [tag], summary, description, 'x-recourse-capability': capability };
}

export const listRecoveryRequests = createRoute({
  method: 'get', path: '/recovery-requests', operationId: 'listRecoveryRequests', security: READS,
  ...declared({ tag: 'Recovery requests', capability: 'see_requests', summary: 'List recovery requests', description: 'Newest first, 50 a page. Needs the policy\'s `data_protection_level`.' }),
  request: { query: requestListQuery },
  responses: { 200: answer(RecoveryRequestPage, 'A page of requests'), ...errors(400, 401, 403, 503) },
});

export const generateRecoveryCode = createRoute({
  method: 'post', path: '/recovery-requests/{reference}/generate-code', operationId: 'generateRecoveryCode', security: WRITES,
  ...declared({
    tag: 'Recovery requests', capability: 'issue_recovery_code', summary: 'Send a recovery code for a request',
    description: 'A single-use code to the requester\'s account by email or SMS; the request becomes `approved`. Needs the data-protection level and expert mode, and a session whose second factor was passed within the last 10 minutes: a token is refused with `token_not_allowed`.',
  }),
  request: { params: RequestPath, body: { required: true, content: jsonContent(GenerateCodeBody) } },
  responses: { 200: answer(CodeIssued, 'The code is queued for delivery'), ...errors(400, 401, 403, 404, 409, 415, 503) },
});

export const cancelRecoveryRequest = createRoute({
  method: 'post', path: '/recovery-requests/{reference}/cancel', operationId: 'cancelRecoveryRequest', security: WRITES,
  ...declared({ tag: 'Recovery requests', capability: 'cancel_request', summary: 'Cancel a recovery request', description: 'Closes the request and tells the requester. Needs the data-protection level.' }),
  request: { params: RequestPath, body: { required: true, content: jsonContent(CancelBody) } },
  responses: { 200: answer(RequestCancelled, 'The request is cancelled'), ...errors(400, 401, 403, 404, 409, 415, 503) },
});

export const sendAccessEmail = createRoute({
  method: 'post', path: '/users/{id}/send-access-email', operationId: 'sendAccessEmail', security: WRITES,
  ...declared({ tag: 'Users', capability: 'send_access_email', summary: 'Email a password-reset link', description: 'A single-use link to the account\'s registered address. Needs the data-protection level.' }),
  request: { params: UserPath, body: { required: true, content: jsonContent(ActionBody) } },
  responses: { 200: answer(EmailQueued, 'The email is queued'), ...errors(400, 401, 403, 404, 409, 415, 503) },
});

export const sendRecoveryCode = createRoute({
  method: 'post', path: '/users/{id}/send-recovery-code', operationId: 'sendRecoveryCode', security: WRITES,
  ...declared({
    tag: 'Users', capability: 'issue_recovery_code', summary: 'Email a recovery code',
    description: 'A single-use code to the account\'s registered address. Like generate-code: expert mode and a fresh second factor, never a token.',
  }),
  request: { params: UserPath, body: { required: true, content: jsonContent(ActionBody) } },
  responses: { 200: answer(EmailQueued, 'The email is queued'), ...errors(400, 401, 403, 404, 409, 415, 503) },
});

export const resetSecondFactor = createRoute({
  method: 'post', path: '/users/{id}/reset-2fa', operationId: 'resetSecondFactor', security: WRITES,
  ...declared({
    tag: 'Users', capability: 'reset_2fa', summary: 'Reset the second factor',
    description: 'Removes every TOTP factor, security key and backup code and signs the user out everywhere. Needs a role in the policy\'s `reset_2fa_roles` and a session whose second factor was passed within the last 10 minutes (never a token); the sole super_admin cannot be reset here.',
  }),
  request: { params: UserPath, body: { required: true, content: jsonContent(ActionBody) } },
  responses: { 200: answer(SecondFactorReset, 'What was removed'), ...errors(400, 401, 403, 404, 409, 415, 503) },
});

export const backupCodeStats = createRoute({
  method: 'get', path: '/backup-codes/stats', operationId: 'backupCodeStats', security: READS,
  ...declared({ tag: 'Backup codes', capability: 'dashboard', summary: 'Backup-code statistics', description: 'Any administrator.' }),
  responses: { 200: answer(BackupCodeStats, 'The statistics'), ...errors(401, 403, 503) },
});

export const listAuditLog = createRoute({
  method: 'get', path: '/audit-logs', operationId: 'listAuditLog', security: READS,
  ...declared({ tag: 'Audit log', capability: 'see_requests', summary: 'List audit entries', description: 'Newest first, 50 a page. A `user` or `actor` that names nobody gives an empty list. Needs the data-protection level.' }),
  request: { query: auditListQuery },
  responses: { 200: answer(AuditPage, 'A page of entries'), ...errors(400, 401, 403, 503) },
});

export const describeApi = createRoute({
  method: 'get', path: '/openapi.json', operationId: 'describeApi', security: [], tags: ['Description'],
  summary: 'This OpenAPI 3.1 document', description: 'Needs no credentials: it describes the API and reveals no data.',
  responses: { 200: answer(z.record(z.string(), z.unknown()), 'The OpenAPI 3.1 document') },
});
