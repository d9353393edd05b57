/**
 * Keeps the directory the truth (issue 27): every `directory.refresh` the directory is listed once
 * and the linked rows brought in step — removed or disabled users disabled with their sessions
 * ended, role, type and groups updated. Never per proxied request: sessions carry what the last
 * refresh wrote. A failed refresh changes nothing; sessions keep working, and readiness says why.
 */
import type { Logger } from 'pino';
import type { Database } from '../../db/client.js';
import type { Clock } from '../core/clock.js';
import type { SessionManager } from '../session/manager.js';
import type { LdapDirectory } from './ldap.js';
import type { GroupMapping } from './person.js';
import { applySync, planFromDirectory } from './sync.js';

export interface RefreshDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  ldap: LdapDirectory;
  serverSecret: string;
  mapping: GroupMapping;
  sessions: Pick<SessionManager, 'revokeAllForUser' | 'forgetUser'>;
  intervalMs: number;
}

export type RefreshOutcome = { ok: true; created: number; updated: number; disabled: number; sessionsEnded: number } | { ok: false; error: string };

export interface DirectoryRefresh {
  /** One refresh now (a running one is awaited instead of starting a second). */
  refreshNow(): Promise<RefreshOutcome>;
  /** When the directory last answered a refresh (ms since epoch, from the clock; start-up before the first). */
  lastSuccessMs(): number;
  /**
   * Whether sessions of directory users may still be used: the directory was checked within one
   * refresh interval and a retry's slack. Past that, a user disabled meanwhile could not be known,
   * so their sessions are refused (not ended) until a refresh reaches the directory again.
   */
  vouches(): boolean;
  stop(): void;
}

// One failed refresh may be a blip; the next tick (or a minute at most) decides.
const STALE_SLACK_MS = 60_000;

export function startDirectoryRefresh(deps: RefreshDeps): DirectoryRefresh {
  let running: Promise<RefreshOutcome> | null = null;
  // Sessions alive at start-up were verified by the previous run's refreshes: one interval of credit.
  let lastSuccess = deps.clock.nowMs();
  const staleAfterMs = deps.intervalMs + Math.min(deps.intervalMs, STALE_SLACK_MS);

  async function refresh(): Promise<RefreshOutcome> {
    try {
      const report = await planFromDirectory(deps, deps.ldap);
      if (report.refused) deps.logger.error({ event: 'directory.refresh_refused' }, `directory refresh: ${report.refused}`);
      for (const { dn, problem } of report.unreadable) deps.logger.warn({ event: 'directory.unreadable_entry', dn, problem }, 'directory entry skipped');
      const counts = await applySync({
        ...deps,
        endSessions: (tx, userId) => deps.sessions.revokeAllForUser(tx, userId),
        userChanged: (userId) => deps.sessions.forgetUser(userId),
      }, report, { create: false, actor: 'system', trigger: 'refresh' });
      lastSuccess = deps.clock.nowMs();
      if (counts.updated + counts.disabled > 0) deps.logger.info({ event: 'directory.refreshed', ...counts }, 'directory changes applied');
      return { ok: true, ...counts };
    } catch (error) {
      deps.logger.error({ event: 'directory.refresh_failed', err: error instanceof Error ? error.message : String(error) }, 'directory refresh failed; nothing changed');
      return { ok: false, error: String(error) };
    }
  }

  function refreshNow(): Promise<RefreshOutcome> {
    running ??= refresh().finally(() => { running = null; });
    return running;
  }

  const timer = setInterval(() => void refreshNow(), deps.intervalMs);
  timer.unref();
  return {
    refreshNow,
    lastSuccessMs: () => lastSuccess,
    vouches: () => deps.clock.nowMs() - lastSuccess <= staleAfterMs,
    stop: () => clearInterval(timer),
  };
}
