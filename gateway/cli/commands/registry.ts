import type { ParseArgsConfig } from 'node:util';
import type { DbCommand } from '../context.js';
import { adminBootstrap } from './admin.js';
import { userAdd, userList } from './user.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec {
  usage: string;
  summary: string;
  options: Options;
  /** Database commands run in the gateway when it owns an embedded data directory. */
  db?: DbCommand;
  positionals?: boolean;
}

const config: Options = { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } };

/** Every command, its options and its help text, in one table. */
export const COMMANDS: Record<string, CommandSpec> = {
  serve: { usage: 'recourse serve [--config FILE]', summary: 'run the gateway', options: config },
  migrate: { usage: 'recourse migrate [--config FILE]', summary: 'apply database migrations, then exit', options: config },
  'user add': {
    usage: 'recourse user add --email E [--name N] [--role super_admin|owner|admin|user] [--type user|employee|customer] [--phone +E164] [--data-protection LEVEL] [--expert-mode] [--password-stdin] [--config FILE]',
    summary: 'create a user and print its id',
    options: {
      ...config, email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, type: { type: 'string' },
      phone: { type: 'string' }, 'data-protection': { type: 'string' }, 'expert-mode': { type: 'boolean' }, 'password-stdin': { type: 'boolean' },
    },
    db: userAdd,
  },
  'user list': { usage: 'recourse user list [--json] [--config FILE]', summary: 'list users with role, type, 2FA state and backup codes left', options: { ...config, json: { type: 'boolean' } }, db: userList },
  'admin bootstrap': { usage: 'recourse admin bootstrap --email E [--config FILE]', summary: 'create or promote a super_admin and print a one-time setup link', options: { ...config, email: { type: 'string' } }, db: adminBootstrap },
  'policy check': { usage: 'recourse policy check [DIR] [--config FILE]', summary: 'validate policy files (exit 0 valid, 1 invalid)', options: config, positionals: true },
};

export const DB_COMMANDS: Record<string, DbCommand> = Object.fromEntries(
  Object.entries(COMMANDS).flatMap(([name, spec]) => (spec.db ? [[name, spec.db]] : [])),
);
