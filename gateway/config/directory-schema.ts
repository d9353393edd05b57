import { z } from 'zod';
import { parseDuration } from '../core/duration.js';

const duration = (fallback: string) => z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration like 30s, 10m, 12h or 7d' });
    return z.NEVER;
  }
  return ms;
}).prefault(fallback);

/** A directory group named by its DN or its cn; matched without regard to case. */
const groupList = z.array(z.string().min(1)).default([]);

// Empty means "the preset's"; custom needs them (checked below, with the key path).
const attributes = z.strictObject({
  id: z.string().default(''),
  username: z.string().default(''),
  email: z.string().default(''),
  name: z.string().default(''),
  phone: z.string().default(''),
  groups: z.string().default(''),
}).prefault({});

export const ldapSchema = z.strictObject({
  url: z.string().regex(/^ldaps?:\/\/[^/\s]+\/?$/, 'expected ldap://host[:port] or ldaps://host[:port]').default('ldap://127.0.0.1:389'),
  start_tls: z.boolean().default(false),
  ca_file: z.string().default(''),
  bind_dn: z.string().default(''),
  bind_password_file: z.string().default(''),
  base_dn: z.string().default(''),
  implementation: z.enum(['openldap', 'activedirectory', 'custom']).default('openldap'),
  users_filter: z.string().default(''),
  groups_filter: z.string().default(''),
  attributes,
  role_groups: z.strictObject({ super_admin: groupList, owner: groupList, admin: groupList }).prefault({}),
  type_groups: z.strictObject({ employee: groupList, customer: groupList }).prefault({}),
  password_reset: z.boolean().default(false),
  // Connections bound as the service account; searches share them (LDAP multiplexes by message id).
  pool_size: z.number().int().min(1).max(64).default(4),
  timeout: duration('5s'),
  connect_timeout: duration('5s'),
});

export const directorySchema = z.strictObject({
  kind: z.enum(['local', 'ldap']).default('local'),
  refresh: duration('5m'),
  ldap: ldapSchema.prefault({}),
}).superRefine((directory, ctx) => {
  if (directory.kind !== 'ldap') return;
  const { ldap } = directory;
  const need = (key: keyof typeof ldap, message: string) => ctx.addIssue({ code: 'custom', path: ['ldap', key], message });
  if (!ldap.bind_dn) need('bind_dn', 'required when directory.kind is ldap');
  if (!ldap.bind_password_file) need('bind_password_file', 'required when directory.kind is ldap');
  if (!ldap.base_dn) need('base_dn', 'required when directory.kind is ldap');
  if (ldap.start_tls && ldap.url.startsWith('ldaps://')) need('start_tls', 'ldaps:// is TLS already; start_tls is for ldap://');
  if (directory.refresh < 10_000) ctx.addIssue({ code: 'custom', path: ['refresh'], message: 'must be at least 10s (every refresh lists the whole directory)' });
  if (ldap.implementation === 'custom') {
    if (!ldap.users_filter) need('users_filter', 'required with implementation: custom');
    for (const key of ['id', 'username', 'email'] as const) {
      if (!ldap.attributes[key]) ctx.addIssue({ code: 'custom', path: ['ldap', 'attributes', key], message: 'required with implementation: custom' });
    }
  }
  if (ldap.users_filter && !ldap.users_filter.includes('{input}')) need('users_filter', 'must contain {input} (what the user typed)');
  if (ldap.groups_filter && !ldap.groups_filter.includes('{dn}')) need('groups_filter', "must contain {dn} (the user's DN)");
  if (ldap.password_reset && ldap.implementation === 'activedirectory' && !ldap.url.startsWith('ldaps://') && !ldap.start_tls) {
    need('password_reset', 'Active Directory changes passwords only over TLS: use ldaps:// or start_tls');
  }
});

export type DirectoryConfig = z.output<typeof directorySchema>;
export type LdapConfig = DirectoryConfig['ldap'];
