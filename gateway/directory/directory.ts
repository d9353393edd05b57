/**
 * Where accounts live (`directory.kind`): the first-factor check, finding an account by address for
 * recovery, and changing a password. `local` is the gateway's own store, as it always was; `ldap`
 * asks the organisation's directory, keeping only a linked local row for factors, codes and audit.
 * Local accounts (no directory link, e.g. the bootstrap administrator) keep signing in with their
 * local password under `ldap` too, so a directory outage never locks out the break-glass account.
 */
import type { Logger } from 'pino';
import type { Database } from '../../db/client.js';
import { findUserByDirectoryId } from '../../db/queries/directory-users.js';
import { findUserByEmail } from '../../db/queries/users.js';
import type { UserRow } from '../../db/schema/index.js';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { verifyPassword } from '../security/password.js';
import type { DirectoryPerson } from './entry.js';
import { createLdapDirectory, type LdapDirectory } from './ldap.js';
import { provisionDirectoryUser } from './provision.js';

export type FirstFactorFailure = 'unknown_user' | 'bad_password' | 'inactive' | 'no_password' | 'ambiguous' | 'email_conflict';
export type FirstFactorOutcome = { ok: true; user: UserRow } | { ok: false; reason: FirstFactorFailure; user?: UserRow };

/**
 * What a login names, before its password is checked. `accountId` is the account's one name for
 * login regulation, whatever spelling found it (the directory entry's immutable id, the local
 * row's id); null when nothing was found. `verify` costs the same work found or not.
 */
export interface FoundAccount {
  accountId: string | null;
  verify(password: string): Promise<FirstFactorOutcome>;
}

/** Who changes a user's password: the gateway (local), the directory, or nobody here. */
export type PasswordOwner = 'local' | 'directory' | 'directory_only';

export interface Directory {
  kind: 'local' | 'ldap';
  /**
   * The first factor's first half: the account what was typed names (an email; under ldap also a
   * username), to be charged under its id before `verify` checks the password.
   * Both throw DirectoryUnavailableError when the directory cannot answer.
   */
  findAccount(login: string): Promise<FoundAccount>;
  /** The account an address belongs to (assistance requests), by the directory's email attribute under ldap. */
  accountByEmail(email: string): Promise<UserRow | undefined>;
  passwordOwner(user: Pick<UserRow, 'directoryId'>): PasswordOwner;
  /** Sets a directory user's password in the directory (only when passwordOwner says 'directory'). */
  setDirectoryPassword(user: Pick<UserRow, 'directoryId' | 'email'>, password: string): Promise<'ok' | 'refused'>;
  /** The LDAP side, under ldap (sync, refresh, readiness). */
  ldap: LdapDirectory | null;
  close(): Promise<void>;
}

export interface DirectoryDeps {
  config: Pick<Config, 'directory' | 'session'>;
  db: Database;
  clock: Clock;
  logger: Logger;
  /** Cached sessions of a user re-read their role and groups after a sign-in changed them. */
  userChanged?(userId: string): void;
}

export function createDirectory(deps: DirectoryDeps): Directory {
  const { directory } = deps.config;
  if (directory.kind === 'ldap') return ldapDirectory(deps, createLdapDirectory(directory.ldap));
  return {
    kind: 'local',
    findAccount: (login) => findLocally(deps.db, login),
    accountByEmail: (email) => findUserByEmail(deps.db, email),
    passwordOwner: () => 'local',
    setDirectoryPassword: () => Promise.reject(new Error('directory: no directory is configured')),
    ldap: null,
    close: async () => {},
  };
}

/** Today's check: the row by address and its argon2 hash, with the same work when there is no row. */
async function findLocally(db: Database, login: string, known?: UserRow): Promise<FoundAccount> {
  const user = known ?? await findUserByEmail(db, login);
  return {
    accountId: user ? `user:${user.id}` : null,
    async verify(password) {
      const passwordOk = await verifyPassword(user?.passwordHash, password);
      const failure = !user ? 'unknown_user' : !user.passwordHash ? 'no_password' : !passwordOk ? 'bad_password' : !user.active ? 'inactive' : null;
      return failure ? { ok: false, reason: failure, ...(user ? { user } : {}) } : { ok: true, user: user! };
    },
  };
}

function ldapDirectory(deps: DirectoryDeps, ldap: LdapDirectory): Directory {
  const { db, clock, logger } = deps;
  const settings = deps.config.directory.ldap;
  const mapping = { role_groups: settings.role_groups, type_groups: settings.type_groups };
  const noSuchEntry = `cn=recourse-no-such-entry,${settings.base_dn}`;

  async function findAccount(login: string): Promise<FoundAccount> {
    const local = await findUserByEmail(db, login);
    if (local && local.directoryId === null) return findLocally(db, login, local);
    const found = await ldap.find(login);
    if (found.found !== 'one') {
      if (found.found !== 'none') logger.warn({ event: 'directory.lookup', found: found.found, ...('problem' in found ? { problem: found.problem } : {}) }, 'directory: what was typed matches no single usable entry');
      const reason = found.found === 'many' ? 'ambiguous' : 'unknown_user';
      return {
        accountId: null,
        async verify(password) {
          // A bind no entry can pass, so an unknown name costs the round trip a known one does.
          await ldap.bindAs(noSuchEntry, password);
          return { ok: false, reason };
        },
      };
    }
    // The entry's immutable id: uid, mail and any other name that finds it share one login budget.
    return { accountId: `entry:${found.person.id}`, verify: (password) => bindAsEntry(found.person, password) };
  }

  async function bindAsEntry(person: DirectoryPerson, password: string): Promise<FirstFactorOutcome> {
    const linked = await findUserByDirectoryId(db, person.id);
    if (await ldap.bindAs(person.dn, password) === 'refused') return { ok: false, reason: 'bad_password', ...(linked ? { user: linked } : {}) };
    // A disabled entry gets no new row; an existing one is brought in step (and its sessions ended by refresh).
    if (person.disabled && !linked) return { ok: false, reason: 'inactive' };
    const outcome = await db.transaction((tx) => provisionDirectoryUser(tx, person, {
      mapping, now: clock.now(), serverSecret: deps.config.session.secret, actor: 'system',
    }));
    if (!outcome.ok) {
      logger.error({ event: 'directory.email_conflict', dn: person.dn, holder: outcome.holder }, 'directory: the entry\'s email belongs to another account; sign-in refused');
      return { ok: false, reason: 'email_conflict' };
    }
    if (outcome.change !== 'unchanged') deps.userChanged?.(outcome.user.id);
    return outcome.user.active ? { ok: true, user: outcome.user } : { ok: false, reason: 'inactive', user: outcome.user };
  }

  async function accountByEmail(email: string): Promise<UserRow | undefined> {
    const local = await findUserByEmail(db, email);
    if (local && local.directoryId === null) return local;
    // The same one search whether or not anyone has the address (SECURITY A1).
    const found = await ldap.find(email);
    if (found.found !== 'one' || found.person.email.toLowerCase() !== email.trim().toLowerCase()) return undefined;
    const { person } = found;
    const linked = await findUserByDirectoryId(db, person.id);
    if (linked || person.disabled) return linked;
    // Never signed in yet: the row administrators act on is made now, as sign-in or sync would.
    const outcome = await db.transaction((tx) => provisionDirectoryUser(tx, person, {
      mapping, now: clock.now(), serverSecret: deps.config.session.secret, actor: 'system',
    }));
    return outcome.ok ? outcome.user : undefined;
  }

  return {
    kind: 'ldap',
    findAccount,
    accountByEmail,
    passwordOwner: (user) => (user.directoryId === null ? 'local' : settings.password_reset ? 'directory' : 'directory_only'),
    async setDirectoryPassword(user, password) {
      const found = user.directoryId ? await ldap.findById(user.directoryId) : { found: 'none' as const };
      if (found.found !== 'one') throw new Error(`directory: the entry linked to ${user.email} was not found (${found.found})`);
      return ldap.setPassword(found.person.dn, password);
    },
    ldap,
    close: () => ldap.close(),
  };
}
