import type { ParseArgsConfig } from 'node:util';
import type { DbCommand } from '../context.js';
import { adminBootstrap } from './admin.js';
import { directorySync } from './directory.js';
import { auditExport, auditVerify } from './audit.js';
import { tokenCreate, tokenRevoke } from './token.js';
import { keysRotate } from './keys.js';
import { userAdd, userList, userSetGroups } from './user.js';
import { userImport } from './user-import.js';
import { userDisable, userEnable, userResetSecondFactor, userSetRole } from './user-admin.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec {
  usage: string;
  summary: string;
  options: Options;
  /** Database commands run in the gateway when it owns an embedded data directory. */
  db?: DbCommand;
  positionals?: boolean;
  /**
   * The command reads the file named by its one positional argument: the CLI reads it (as the
   * user who runs it, relative to their working directory) and hands the text over as input.
   */
  file?: boolean;
}

const config: Options = { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } };

/** Every command, its options and its help text, in one table. */
export const COMMANDS: Record<string, CommandSpec> = {
  serve: { usage: 'recourse serve [--config FILE]', summary: 'run the gateway', options: config },
  migrate: { usage: 'recourse migrate [--config FILE]', summary: 'apply database migrations, then exit', options: config },
  'user add': {
    usage: 'recourse user add --email E [--name N] [--role super_admin|owner|admin|user] [--type user|employee|customer] [--phone +E164] [--data-protection LEVEL] [--expert-mode] [--groups a,b] [--password-stdin] [--config FILE]',
    summary: 'create a user and print its id',
    options: {
      ...config, email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, type: { type: 'string' },
      phone: { type: 'string' }, 'data-protection': { type: 'string' }, 'expert-mode': { type: 'boolean' }, 'password-stdin': { type: 'boolean' },
      groups: { type: 'string' },
    },
    db: userAdd,
  },
  'user import': {
    usage: 'recourse user import FILE.csv [--apply] [--config FILE]',
    summary: 'invite the users of a CSV file (columns email,name,role,type,groups,phone; a header row first): a dry run lists them, or one line per problem with its row (exit 1, nothing written); --apply creates them all and emails their invitations',
    options: { ...config, apply: { type: 'boolean' } },
    positionals: true,
    file: true,
    db: userImport,
  },
  'user list': { usage: 'recourse user list [--json] [--config FILE]', summary: 'list users with role, type, 2FA state, backup codes left and groups', options: { ...config, json: { type: 'boolean' } }, db: userList },
  'user disable': { usage: 'recourse user disable --email E [--config FILE]', summary: 'deactivate a user and end their sessions', options: { ...config, email: { type: 'string' } }, db: userDisable },
  'user enable': { usage: 'recourse user enable --email E [--config FILE]', summary: 'reactivate a user', options: { ...config, email: { type: 'string' } }, db: userEnable },
  'user set-role': {
    usage: 'recourse user set-role --email E --role super_admin|owner|admin|user [--data-protection LEVEL] [--expert-mode | --no-expert-mode] [--config FILE]',
    summary: "change a user's role and admin permissions",
    options: { ...config, email: { type: 'string' }, role: { type: 'string' }, 'data-protection': { type: 'string' }, 'expert-mode': { type: 'boolean' }, 'no-expert-mode': { type: 'boolean' } },
    db: userSetRole,
  },
  'user set-groups': {
    usage: 'recourse user set-groups --email E --groups a,b [--config FILE]',
    summary: 'replace a user\'s named groups (--groups "" removes them all); audited as user.updated',
    options: { ...config, email: { type: 'string' }, groups: { type: 'string' } },
    db: userSetGroups,
  },
  'user reset-2fa': {
    usage: 'recourse user reset-2fa --email E --reason TEXT [--config FILE]',
    summary: 'remove a user\'s second factors and backup codes (the way out for a locked-out sole super_admin); audited with actor cli',
    options: { ...config, email: { type: 'string' }, reason: { type: 'string' } },
    db: userResetSecondFactor,
  },
  'token create': { usage: 'recourse token create --name N --user EMAIL [--config FILE]', summary: "print an API token acting with that user's permissions (stored hashed; shown once)", options: { ...config, name: { type: 'string' }, user: { type: 'string' } }, db: tokenCreate },
  'token revoke': { usage: 'recourse token revoke (--id ID | --name N) [--config FILE]', summary: 'revoke an API token', options: { ...config, id: { type: 'string' }, name: { type: 'string' } }, db: tokenRevoke },
  'keys rotate': {
    usage: 'recourse keys rotate [--now] [--config FILE]',
    summary: 'start a new key for the apps\' identity assertions: published now, signing 15 minutes later (--now: at once, for a key that must stop signing); the old key stays published until its last assertion expires',
    options: { ...config, now: { type: 'boolean' } },
    db: keysRotate,
  },
  'audit verify': {
    usage: 'recourse audit verify [--expect-head ID:HASH] [--config FILE]',
    summary: 'check the keyed audit hash chain; report the first broken row (exit 1); prints the head to record elsewhere, and with --expect-head also notices a cut-off tail',
    options: { ...config, 'expect-head': { type: 'string' } },
    db: auditVerify,
  },
  'audit export': { usage: 'recourse audit export [--format csv|jsonl] [--since ISO] [--config FILE]', summary: 'write the audit log to stdout', options: { ...config, format: { type: 'string' }, since: { type: 'string' } }, db: auditExport },
  'admin bootstrap': { usage: 'recourse admin bootstrap --email E [--config FILE]', summary: 'create or promote a super_admin and print a one-time setup link', options: { ...config, email: { type: 'string' } }, db: adminBootstrap },
  'directory sync': {
    usage: 'recourse directory sync [--apply] [--config FILE]',
    summary: 'show the users the directory would create, change and disable here; --apply does it (audited directory.synced)',
    options: { ...config, apply: { type: 'boolean' } },
    db: directorySync,
  },
  'policy check': { usage: 'recourse policy check [DIR] [--config FILE]', summary: 'validate policy files (exit 0 valid, 1 invalid)', options: config, positionals: true },
};

export const DB_COMMANDS: Record<string, DbCommand> = Object.fromEntries(
  Object.entries(COMMANDS).flatMap(([name, spec]) => (spec.db ? [[name, spec.db]] : [])),
);
