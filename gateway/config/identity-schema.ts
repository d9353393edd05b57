import { z } from 'zod';

/** The identity fields an upstream can receive, each under a header name of the app's choosing (CONTRACT §8.2). */
export const IDENTITY_FIELDS = ['user', 'username', 'email', 'name', 'groups', 'auth_level'] as const;
export type IdentityField = (typeof IDENTITY_FIELDS)[number];

export const DEFAULT_IDENTITY_HEADERS: Readonly<Record<IdentityField, string>> = {
  user: 'Remote-User',
  username: 'Remote-Username',
  email: 'Remote-Email',
  name: 'Remote-Name',
  groups: 'Remote-Groups',
  auth_level: 'Remote-Auth-Level',
};

// RFC 9110 §5.6.2 token characters.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Headers the gateway or the HTTP connection owns: an identity written there would break the hop or be lost.
const RESERVED = new Set([
  'host', 'cookie', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer',
  'proxy-authorization', 'proxy-authenticate', 'proxy-connection', 'http2-settings', 'authorization', 'x-request-id',
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'x-real-ip',
]);

/** A header name as a CGI upstream reads it: any case, `_` for `-` (PHP, Rack and WSGI merge them). */
export function headerVariable(name: string): string {
  return name.toLowerCase().replaceAll('_', '-');
}

const headerName = z.string().refine((name) => TOKEN.test(name), 'expected an HTTP header name (letters, digits, -)')
  .refine((name) => !RESERVED.has(headerVariable(name)), 'is a header the gateway or the connection owns; choose another name');

/** `apps[].identity`: header names ("" leaves a field out) and an optional signed assertion. */
export const appIdentitySchema = z.strictObject({
  headers: z.strictObject({
    user: z.union([z.literal(''), headerName]).default(DEFAULT_IDENTITY_HEADERS.user),
    username: z.union([z.literal(''), headerName]).default(DEFAULT_IDENTITY_HEADERS.username),
    email: z.union([z.literal(''), headerName]).default(DEFAULT_IDENTITY_HEADERS.email),
    name: z.union([z.literal(''), headerName]).default(DEFAULT_IDENTITY_HEADERS.name),
    groups: z.union([z.literal(''), headerName]).default(DEFAULT_IDENTITY_HEADERS.groups),
    auth_level: z.union([z.literal(''), headerName]).default(DEFAULT_IDENTITY_HEADERS.auth_level),
  }).prefault({}),
  assertion: z.strictObject({ header: headerName }).optional(),
}).superRefine((identity, ctx) => {
  // Two fields under one name would send one of them twice, or one in place of the other.
  const seen = new Map<string, string>();
  const names: Array<[string[], string]> = IDENTITY_FIELDS.map((field) => [['headers', field], identity.headers[field]]);
  if (identity.assertion) names.push([['assertion', 'header'], identity.assertion.header]);
  for (const [path, name] of names) {
    if (!name) continue;
    const earlier = seen.get(headerVariable(name));
    if (earlier) ctx.addIssue({ code: 'custom', path, message: `${name} is already the header of ${earlier}` });
    else seen.set(headerVariable(name), path.join('.'));
  }
});

export type AppIdentityConfig = z.output<typeof appIdentitySchema>;
