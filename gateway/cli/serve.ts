import { createLogger } from '../core/logger.js';
import type { Config } from '../config/schema.js';
import { bootstrapAdmin, pendingSuperAdmin, setupLink } from '../auth/bootstrap.js';
import { startGateway, StartupError } from '../server.js';
import { adminSocketPath, serveAdminSocket } from './admin-socket.js';
import { DB_COMMANDS } from './commands/registry.js';
import { EXIT } from './context.js';

const FIRST_ADMIN_EMAIL = 'admin@localhost';

/** `recourse serve`: start, announce the URL (and a setup link on a fresh install), stop on SIGTERM. */
export async function serve(config: Config): Promise<number> {
  const logger = createLogger(config.log.level);
  let gateway;
  try {
    gateway = await startGateway({ config, logger });
  } catch (error) {
    if (error instanceof StartupError) {
      for (const line of error.lines) process.stderr.write(`${line}\n`);
      return EXIT.refused;
    }
    process.stderr.write(`recourse: cannot start: ${(error as Error).message.split('\n')[0]}\n`);
    return EXIT.refused;
  }
  let socket: { close(): Promise<void> } | undefined;
  if (gateway.storage.kind === 'embedded') {
    try {
      socket = await serveAdminSocket(adminSocketPath(config.storage.data_dir), DB_COMMANDS, {
        db: gateway.storage.db, config, clock: gateway.clock, policies: gateway.policies, forgetSessions: () => gateway.sessions.forgetAll(),
      });
    } catch (error) {
      process.stderr.write(`recourse: ${(error as Error).message}\n`);
      await gateway.close();
      return EXIT.refused;
    }
  }

  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`Recourse is running at ${config.server.public_url} (listening on ${gateway.url})`);
  const pending = await pendingSuperAdmin(gateway.storage.db);
  if (pending.none || pending.unset) {
    const outcome = await bootstrapAdmin(gateway.storage.db, gateway.clock, config.session.secret, pending.unset?.email ?? FIRST_ADMIN_EMAIL, 'system');
    say(`First start: set the administrator password for ${outcome.email} within 1 hour at`);
    say(`  ${setupLink(config.server.public_url, config.server.prefix, outcome.token)}`);
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: finishing in-flight requests');
      await socket?.close();
      await gateway.close();
      resolve(EXIT.ok);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
}
