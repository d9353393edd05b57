/**
 * The JSON API's bodies, path parameters and answers (CONTRACT §5) as zod schemas: the routes
 * validate with them (routes/api/v1.ts) and the OpenAPI document is written from them
 * (routes/api/operations.ts). A schema with a `meta({id})` becomes a named component.
 * The list queries live with the dashboard's (admin/filters.ts), which parses with the same ones.
 */
import { z } from 'zod';
import { DELIVERY_STATUSES, REQUEST_STATUSES, ROLES, USER_TYPES } from '../../../db/schema/index.js';
import { MAX_DETAILS, MAX_ON_BEHALF_OF } from '../../admin/action-fields.js';
import { REFERENCE_ID_PATTERN } from '../../security/codes.js';

// Reasons are the policy's own strings, which have no length limit of their own; this only bounds
// what is read (the API's cap on any text field before these schemas).
const MAX_REASON = 4_000;

const Instant = z.iso.datetime({ offset: true }).meta({ description: 'UTC, ISO 8601', example: '2026-03-01T10:00:00.000Z' });
const Email = z.string().meta({ example: 'carol@example.com' });

/** Ids as the paths take them: any case (answers are lower case). */
export const UserId = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/)
  .meta({ description: 'A user id (UUID)', example: '0b7a3c4e-1d2f-4a5b-8c9d-0e1f2a3b4c5d' });
export const Reference = z.string().regex(new RegExp(`^${REFERENCE_ID_PATTERN}$`))
  .meta({ description: 'A recovery request\'s reference', example: 'AR-7K2P-9QXD' });

export const RequestPath = z.object({ reference: Reference });
export const UserPath = z.object({ id: UserId });

export const ApiError = z.object({
  error: z.object({
    code: z.string().meta({ description: 'Stable, for programs: e.g. `unauthenticated`, `forbidden`, `step_up_required`, `token_not_allowed`, `invalid_request`, `invalid_parameter`, `not_found`, `request_closed`, `no_account`, `account_disabled`, `sms_unavailable`, `unsupported_media_type`, `unavailable`' }),
    message: z.string().meta({ description: 'For people: what was wrong, naming the field' }),
  }),
}).meta({ id: 'Error' });

/** A JSON object body; one that is not an object at all is refused with the fields it takes. */
function bodyOf<const S extends Record<string, z.ZodType>>(shape: S) {
  const fields = Object.entries(shape).map(([name, field]) => (field.isOptional() ? `${name}?` : name));
  const notAnObject = `Send a JSON object: {${fields.join(', ')}}.`;
  return z.object(shape, { error: (issue) => (issue.path?.length ? undefined : notAnObject) });
}

/** What every administrator action carries (admin/action-fields.ts cleans and checks it again). */
const actionFields = {
  reason: z.string().max(MAX_REASON).meta({ description: 'One of the policy\'s `recovery.reasons`', example: 'Identity verified by phone' }),
  details: z.string().max(MAX_DETAILS).nullable().optional().meta({ description: 'Free text for the audit log (line breaks kept)' }),
  on_behalf_of: z.string().max(MAX_ON_BEHALF_OF).nullable().optional()
    .meta({ description: 'Who asked for the action, if not the caller: an active user, by id or email (or a name or part of one that only that user matches); anything else is 400', example: 'ann.lee@example.com' }),
};

export const ActionBody = bodyOf(actionFields).meta({ id: 'ActionBody' });

export const GenerateCodeBody = bodyOf({
  ...actionFields,
  delivery: z.enum(['email', 'sms']).default('email').meta({ description: 'SMS needs the user\'s phone number and `sms.webhook_url`' }),
}).meta({ id: 'GenerateCodeBody' });

export const CancelBody = bodyOf({
  ...actionFields,
  reason: z.string().max(MAX_REASON).meta({ description: 'One of the policy\'s `recovery.cancel_reasons` (a `recovery.reasons` entry is still accepted)', example: 'Identity not verified' }),
}).meta({ id: 'CancelBody' });

const Person = z.object({ id: z.string().meta({ description: 'A user id' }), email: Email.nullable() });

export const RecoveryRequest = z.object({
  reference: Reference,
  type: z.enum(USER_TYPES).nullable().meta({ description: 'The account\'s user type; null when the email typed matched no account' }),
  requester: z.object({
    name: z.string().nullable(),
    email: Email.meta({ description: 'The account\'s address, or the one typed when it matched no account' }),
    ip: z.string().nullable(),
    location: z.string().nullable(),
  }),
  role: z.enum(ROLES).nullable(),
  requested_at: Instant,
  status: z.enum(REQUEST_STATUSES),
  delivery: z.enum(DELIVERY_STATUSES),
}).meta({ id: 'RecoveryRequest' });

const NextCursor = z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last one' });

export const RecoveryRequestPage = z.object({ items: z.array(RecoveryRequest), next_cursor: NextCursor }).meta({ id: 'RecoveryRequestPage' });

export const AuditEntry = z.object({
  id: z.int().positive(),
  at: Instant,
  event: z.string().meta({ description: 'CONTRACT §6', example: 'second_factor.reset' }),
  actor: z.union([Person, z.enum(['cli', 'system'])]).nullable().meta({ description: 'The administrator or user who acted, `cli`, `system`, or null' }),
  user: Person.nullable().meta({ description: 'The user the entry is about' }),
  ip: z.string().nullable(),
  location: z.string().nullable(),
  reason: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
}).meta({ id: 'AuditEntry' });

export const AuditPage = z.object({ items: z.array(AuditEntry), next_cursor: NextCursor }).meta({ id: 'AuditPage' });

export const CodeIssued = z.object({
  reference: Reference,
  status: z.literal('approved'),
  delivery: z.literal('pending').meta({ description: 'The message is queued; the request\'s `delivery` follows it' }),
  channel: z.enum(['email', 'sms']),
  expires_at: Instant,
}).meta({ id: 'CodeIssued' });

export const RequestCancelled = z.object({ reference: Reference, status: z.literal('cancelled') }).meta({ id: 'RequestCancelled' });

export const EmailQueued = z.object({ user: UserId, delivery: z.literal('email'), expires_at: Instant }).meta({ id: 'EmailQueued' });

export const SecondFactorReset = z.object({
  user: UserId,
  removed: z.object({ totp: z.int().nonnegative(), keys: z.int().nonnegative(), codes: z.int().nonnegative() }),
}).meta({ id: 'SecondFactorReset' });

export const BackupCodeStats = z.object({
  users_with_codes: z.int().nonnegative(),
  low_on_codes: z.int().nonnegative(),
  used_today: z.int().nonnegative().meta({ description: 'In `server.time_zone`' }),
  used_this_month: z.int().nonnegative().meta({ description: 'In `server.time_zone`' }),
}).meta({ id: 'BackupCodeStats' });
