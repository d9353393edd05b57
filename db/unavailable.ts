/**
 * Whether an error means the database cannot be reached right now: an outage of a dependency,
 * answered 503 with Retry-After (SECURITY F1 fails closed; issue 32 finding 14), not a fault in
 * the request or the code (500). node-postgres and PGlite errors arrive as thrown, or as the
 * `cause` of drizzle's "Failed query" error.
 */

// Socket errors (Node's net module) while connecting to or talking with the server.
const SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
]);
// SQLSTATE (PostgreSQL manual, Appendix A): 08xxx connection exception; 57P01 admin_shutdown,
// 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up, recovering), 57P05 idle session
// timeout; 53300 too_many_connections; 57014 query_canceled, which statement_timeout raises when
// the server hangs (db/client.ts).
const SQLSTATE_UNAVAILABLE = /^(08[0-9A-Z]{3}|57P0[1235]|53300|57014)$/;
// node-postgres's own messages for a lost or unobtainable connection, and PGlite's once closed.
const MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /Client has encountered a connection error and is not queryable/,
  /^Cannot use a pool after calling end on the pool/,
  /PGlite is closed/,
];
// A wrapped error's causes are followed this far (drizzle wraps once; more would be a loop).
const MAX_DEPTH = 4;

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > MAX_DEPTH) return false;
  const { code, message, cause, errors } = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SQLSTATE_UNAVAILABLE.test(code))) return true;
  if (typeof message === 'string' && MESSAGES.some((pattern) => pattern.test(message))) return true;
  // Node reports a refused dual-stack connect as an AggregateError of the attempts.
  if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}
