/**
 * The network side of an LDAP directory: a small pool of connections bound as the service account
 * for searches, a fresh connection per user bind, and the password change. Everything that is not
 * a refused password or an unknown entry becomes DirectoryUnavailableError, so callers fail closed.
 */
import { Attribute, Change, Client, ConstraintViolationError, Filter, InvalidCredentialsError, SizeLimitExceededError, UnwillingToPerformError, type ClientOptions, type Entry } from 'ldapts';
import type { Config } from '../config/schema.js';
import { groupFromDn, readEntry, uuidToGuidBytes, type DirectoryGroup, type DirectoryPerson } from './entry.js';
import { DirectoryUnavailableError } from './errors.js';
import { fillFilter, listingFilter } from './filter.js';
import { PASSWORD_MODIFY_OID, passwordModifyRequest, unicodePwdValue } from './password-change.js';
import { directorySettings, requestedAttributes, type DirectorySettings } from './presets.js';

type LdapSettings = Config['directory']['ldap'];

export type BindOutcome = 'ok' | 'refused';
export type FindOutcome = { found: 'none' } | { found: 'many'; count: number } | { found: 'one'; person: DirectoryPerson } | { found: 'unreadable'; problem: string };

export interface LdapDirectory {
  settings: DirectorySettings;
  /** The service account's bind, checked at start-up: 'refused' names the bind_dn/password keys. */
  checkServiceBind(): Promise<BindOutcome>;
  /** The one user entry matching what was typed (username or email). */
  find(input: string): Promise<FindOutcome>;
  /** Binds as the entry with the typed password on a connection of its own. */
  bindAs(dn: string, password: string): Promise<BindOutcome>;
  /** The entry with this immutable id (what the local row links to), whatever its address is now. */
  findById(id: string): Promise<FindOutcome>;
  /** Every user entry the users filter lists, with its groups; entries missing an id or email reported apart. */
  list(): Promise<{ people: DirectoryPerson[]; unreadable: Array<{ dn: string; problem: string }> }>;
  /** 'refused' when the directory's password policy turns the password down. */
  setPassword(dn: string, password: string): Promise<'ok' | 'refused'>;
  /** Throws DirectoryUnavailableError when no search can be made (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createLdapDirectory(ldap: LdapSettings): LdapDirectory {
  const settings = directorySettings(ldap);
  const attributes = requestedAttributes(settings);
  const tlsOptions = { ...(ldap.ca ? { ca: ldap.ca } : {}), minVersion: 'TLSv1.2' as const };
  // ldapts speaks TLS from the first byte whenever tlsOptions are given: only for ldaps:// (start_tls passes them later).
  const clientOptions: ClientOptions = {
    url: ldap.url, timeout: ldap.timeout, connectTimeout: ldap.connect_timeout, strictDN: false,
    ...(ldap.url.startsWith('ldaps://') ? { tlsOptions } : {}),
  };
  const pool = Array.from({ length: ldap.pool_size }, () => new Client(clientOptions));
  const binding = new Map<Client, Promise<void>>();
  let next = 0;

  /** Opens (TLS first when start_tls) and binds a connection of the pool, once at a time. */
  async function connect(client: Client): Promise<void> {
    if (ldap.start_tls) await client.startTLS(tlsOptions);
    await client.bind(ldap.bind_dn, ldap.bind_password);
  }

  async function serviceClient(): Promise<Client> {
    const client = pool[next++ % pool.length]!;
    if (client.isConnected && client.isBound) return client;
    let pending = binding.get(client);
    if (!pending) {
      // A connection the server dropped reconnects unbound (and, with start_tls, in clear): start over.
      pending = (client.isConnected ? client.unbind().catch(() => {}) : Promise.resolve()).then(() => connect(client));
      binding.set(client, pending);
      pending.finally(() => binding.delete(client)).catch(() => {});
    }
    await pending;
    return client;
  }

  /**
   * One search as the service account. A connection that lost its bind while the search ran
   * (the server closed it and ldapts reconnected in the background) proves nothing: an
   * anonymous search may see no one, which must never read as "every user was removed".
   */
  async function search(filter: string, wanted: string[], options: { sizeLimit?: number } = {}): Promise<Entry[]> {
    try {
      const client = await serviceClient();
      const result = await client.search(ldap.base_dn, {
        scope: 'sub', filter, attributes: wanted, explicitBufferAttributes: settings.idFormat === 'guid' ? [settings.attributes.id] : [],
        ...(options.sizeLimit ? { sizeLimit: options.sizeLimit } : {}),
        paged: options.sizeLimit ? false : { pageSize: 500 },
      });
      if (!client.isBound) throw new Error('the connection lost its bind during the search');
      return result.searchEntries;
    } catch (error) {
      throw unavailable('search', error);
    }
  }

  async function groupsOf(dn: string): Promise<DirectoryGroup[]> {
    if (!settings.groupsFilter) return [];
    const entries = await search(fillFilter(settings.groupsFilter, 'dn', dn), ['cn']);
    return entries.map((e) => ({ dn: e.dn, name: firstText(e.cn) || groupFromDn(e.dn).name }));
  }

  /** Every group with members, as member DN → groups (one search, for listing). */
  async function groupsByMember(): Promise<(dn: string) => DirectoryGroup[]> {
    if (!settings.groupsFilter) return () => [];
    const entries = await search(listingFilter(settings.groupsFilter, 'dn'), ['cn', 'member', 'uniqueMember']);
    const byMember = new Map<string, DirectoryGroup[]>();
    for (const entry of entries) {
      const group = { dn: entry.dn, name: firstText(entry.cn) || groupFromDn(entry.dn).name };
      for (const member of [...texts(entry.member), ...texts(entry.uniqueMember)]) {
        const key = dnKey(member);
        byMember.set(key, [...(byMember.get(key) ?? []), group]);
      }
    }
    return (dn) => byMember.get(dnKey(dn)) ?? [];
  }

  async function findOne(filter: string): Promise<FindOutcome> {
    // Two are enough to know the input is ambiguous.
    const entries = await search(filter, attributes, { sizeLimit: 2 }).catch((error: unknown) => {
      // More than the two asked for: the server stops with sizeLimitExceeded (RFC 4511 §4.5.2).
      if (error instanceof DirectoryUnavailableError && error.cause instanceof SizeLimitExceededError) return [{ dn: '' }, { dn: '' }] as Entry[];
      throw error;
    });
    if (entries.length === 0) return { found: 'none' };
    if (entries.length > 1) return { found: 'many', count: entries.length };
    const groups = await groupsOf(entries[0]!.dn);
    const read = readEntry(entries[0]!, settings, () => groups);
    return read.ok ? { found: 'one', person: read.person } : { found: 'unreadable', problem: read.problem };
  }

  return {
    settings,
    async checkServiceBind() {
      const client = new Client(clientOptions);
      try {
        await connect(client);
        return 'ok';
      } catch (error) {
        if (error instanceof InvalidCredentialsError) return 'refused';
        throw unavailable('bind as bind_dn', error);
      } finally {
        await client.unbind().catch(() => {});
      }
    },
    find: (input) => findOne(fillFilter(settings.usersFilter, 'input', input)),
    findById(id) {
      const value = settings.idFormat === 'guid' ? uuidToGuidFilterValue(id) : Filter.escape(id);
      return findOne(`(&${listingFilter(settings.usersFilter, 'input')}(${settings.attributes.id}=${value}))`);
    },
    async bindAs(dn, password) {
      // RFC 4513 §5.1.2: a DN with an empty password is an unauthenticated bind, which succeeds.
      if (password === '') return 'refused';
      const client = new Client(clientOptions);
      try {
        if (ldap.start_tls) await client.startTLS(tlsOptions);
        await client.bind(dn, password);
        return 'ok';
      } catch (error) {
        if (error instanceof InvalidCredentialsError) return 'refused';
        throw unavailable('bind as the user', error);
      } finally {
        await client.unbind().catch(() => {});
      }
    },
    async list() {
      const entries = await search(listingFilter(settings.usersFilter, 'input'), attributes);
      const groups = await groupsByMember();
      const people: DirectoryPerson[] = [];
      const unreadable: Array<{ dn: string; problem: string }> = [];
      for (const entry of entries) {
        const read = readEntry(entry, settings, groups);
        if (read.ok) people.push(read.person);
        else unreadable.push({ dn: read.dn, problem: read.problem });
      }
      return { people, unreadable };
    },
    async setPassword(dn, password) {
      try {
        const client = await serviceClient();
        if (settings.passwordChange === 'unicode_pwd') {
          await client.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [unicodePwdValue(password)] }) }));
        } else {
          await client.exop(PASSWORD_MODIFY_OID, passwordModifyRequest(dn, password));
        }
        return 'ok';
      } catch (error) {
        // ppolicy's quality checks and AD's complexity rules answer so.
        if (error instanceof ConstraintViolationError || error instanceof UnwillingToPerformError) return 'refused';
        throw unavailable('change the password', error);
      }
    },
    async ping() {
      await search('(objectClass=*)', ['1.1'], { sizeLimit: 1 });
    },
    async close() {
      await Promise.all(pool.map((client) => client.unbind().catch(() => {})));
    },
  };
}

function unavailable(what: string, error: unknown): DirectoryUnavailableError {
  if (error instanceof DirectoryUnavailableError) return error;
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new DirectoryUnavailableError(`directory: cannot ${what}: ${reason.split('\n')[0]}`, { cause: error });
}

function texts(value: Entry[string] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
}

function firstText(value: Entry[string] | undefined): string {
  return texts(value)[0] ?? '';
}

function dnKey(dn: string): string {
  return dn.toLowerCase().replace(/\s*([,=+])\s*/g, '$1');
}

/** objectGUID in a filter: its 16 bytes, each as `\\xx` (RFC 4515 §3 escapes any octet so). */
function uuidToGuidFilterValue(id: string): string {
  return [...uuidToGuidBytes(id)].map((byte) => `\\${byte.toString(16).padStart(2, '0')}`).join('');
}
