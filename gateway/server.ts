import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Logger } from 'pino';
import { openStorage, type Storage } from '../db/client.js';
import { claimDataDir } from './cli/owner-lock.js';
import { makeGatewayFilesPrivate, makeTreePrivate } from './cli/private-files.js';
import { createApp, type App, type AppDeps } from './app.js';
import { renderJsxWithoutAsyncHooks } from './http/jsx-without-async-hooks.js';
import { closeWithinLimit } from './http/drain.js';
import { createListeners } from './request-listener.js';
import { recordAudit } from './audit/write.js';
import type { Config } from './config/schema.js';
import { systemClock, type Clock } from './core/clock.js';
import { startDemoApp } from './demo/echo-app.js';
import { createTransports } from './delivery/transports.js';
import { openGeoIp, type GeoIp } from './context/geoip.js';
import { startDeliveryWorker, type DeliveryWorker } from './delivery/worker.js';
import { startAssistanceWorker, type AssistanceWorker } from './recovery/assistance-worker.js';
import { createPolicyStore, type PolicyStore } from './policy/watch.js';
import { observeAudit } from './audit/write.js';
import { pendingCount } from '../db/queries/outbox.js';
import { countAuditEvent, createMetrics, type Metrics } from './metrics/registry.js';
import { metricsRoutes } from './routes/metrics.js';
import { createForwarder } from './proxy/forward.js';
import { createAppRouter } from './proxy/hosts.js';
import { createLimits } from './ratelimit/create.js';
import { createSessionManager } from './session/manager.js';
import { createUpstreamIdentity, type UpstreamIdentity } from './identity/upstream-identity.js';
import { connectRevocationBus } from './session/revocation-bus.js';
import { setHashQueueLimit } from './security/password.js';
import { createDirectory, type Directory } from './directory/directory.js';
import { DirectoryUnavailableError } from './directory/errors.js';
import { startDirectoryRefresh, type DirectoryRefresh } from './directory/refresh.js';

export interface StartOptions {
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** Tests hand in an already opened (and migrated) storage. */
  storage?: Storage;
  /** Port override (0 = any free port), for tests. */
  port?: number;
  /**
   * How often live WebSockets are judged again (default LIVE_SOCKET_RECHECK_MS). Tests that must
   * see a revocation arrive over the Redis bus set it far longer than their deadline.
   */
  liveSocketRecheckMs?: number;
}

export interface RunningGateway {
  url: string;
  port: number;
  /** The Hono app being served: its `routes` are what is mounted (the API's description is checked against them). */
  app: App;
  storage: Storage;
  policies: PolicyStore;
  sessions: ReturnType<typeof createSessionManager>;
  /** Header names and signed assertions per app (CONTRACT §8.2). */
  identity: UpstreamIdentity;
  delivery: DeliveryWorker;
  assistance: AssistanceWorker;
  metrics: Metrics;
  clock: Clock;
  directory: Directory;
  /** Under directory.kind ldap: the background refresh (tests run one at once with refreshNow). */
  directoryRefresh: DirectoryRefresh | null;
  close(): Promise<void>;
}

/** Thrown for start-up problems that deserve one clear line each, not a stack trace. */
export class StartupError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'StartupError';
  }
}

/** Wires every dependency, listens, and returns a handle that shuts down gracefully. */
export async function startGateway(options: StartOptions): Promise<RunningGateway> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const cleanups: Array<() => Promise<void> | void> = [];
  // libuv's pool is the process's: the limit on hashes waiting for it is set once, here.
  setHashQueueLimit(config.server.password_hash_queue);
  const metrics = createMetrics();
  cleanups.push(observeAudit((entry) => countAuditEvent(metrics, entry.event, entry.details)));
  try {
    const policyOutcome = await createPolicyStore({
      dir: config.policies.dir,
      clock,
      onReloaded: (version) => {
        logger.info({ event: 'policy.reloaded', version }, 'policy reloaded');
        void recordAudit(storage.db, config.session.secret, { event: 'policy.reloaded', at: clock.now(), actor: 'system', details: { version } }).catch(() => {});
      },
      onRejected: (errors) => {
        logger.error({ event: 'policy.rejected', errors }, 'policy change refused; the last valid policy stays in force');
        void recordAudit(storage.db, config.session.secret, { event: 'policy.rejected', at: clock.now(), actor: 'system', details: { errors: errors.slice(0, 20) } }).catch(() => {});
      },
    });
    if (!policyOutcome.ok) throw new StartupError(policyOutcome.lines);
    const policies = policyOutcome.store;
    const showPolicyVersion = () => {
      metrics.policyVersion.reset();
      metrics.policyVersion.set({ version: policies.current().version }, 1);
    };
    showPolicyVersion();
    const stopPolicyGauge = setInterval(showPolicyVersion, 2_000);
    stopPolicyGauge.unref();
    cleanups.push(() => clearInterval(stopPolicyGauge));
    cleanups.push(() => policies.close());

    let geoip: GeoIp;
    try {
      geoip = await openGeoIp({ cityDb: config.geoip.city_db, asnDb: config.geoip.asn_db, anonymousDb: config.geoip.anonymous_db }, logger);
    } catch (error) {
      throw new StartupError([(error as Error).message]);
    }
    cleanups.push(() => geoip.close());

    const embedded = !options.storage && !config.storage.database_url;
    const privacy = makeGatewayFilesPrivate(config, { dataDir: embedded });
    if (!privacy.ok) throw new StartupError(privacy.lines);
    if (privacy.fixed.length > 0) logger.warn({ event: 'files.made_private', count: privacy.fixed.length, first: privacy.fixed.slice(0, 5) }, 'data files other users could read were made private');
    if (embedded) cleanups.push(claimDataDir(config.storage.data_dir));
    const storage = options.storage ?? await openStorage({ databaseUrl: config.storage.database_url, dataDir: config.storage.data_dir, embeddedSharedBuffers: config.storage.embedded_shared_buffers });
    if (!options.storage) {
      cleanups.push(() => storage.close());
      await storage.migrate();
    }
    if (embedded) {
      // PGlite unpacks a new database with every file chmod-ed 0666, past the umask; once more now
      // that they exist. Files it creates later honour the umask (cli/main.ts).
      const unpacked = makeTreePrivate(config.storage.data_dir, { create: false });
      if (!unpacked.ok) throw new StartupError([`storage.data_dir: ${unpacked.problem}`]);
    }

    const upstreams = [];
    for (const app of config.apps) {
      if (app.upstream.startsWith('builtin:demo')) {
        const demo = await startDemoApp();
        cleanups.push(() => demo.close());
        upstreams.push({ ...app, upstream: demo.origin });
      } else {
        upstreams.push(app);
      }
    }

    // Bound once the directory's refresh exists (it needs the sessions to end them).
    let directoryVouches: () => boolean = () => true;
    const sessions = createSessionManager({
      db: storage.db, clock, secret: config.session.secret,
      admit: (view) => !view.user.fromDirectory || directoryVouches(),
      maxAgeMs: config.session.max_age, idleTimeoutMs: config.session.idle_timeout,
      onRecheckError: (error) => logger.warn({ err: String(error) }, 'session re-check failed; requests will wait for the database'),
    });
    if (config.redis.url) {
      const bus = await connectRevocationBus(config.redis.url, sessions, logger);
      cleanups.push(() => bus.close());
    }
    const directory = createDirectory({ config, db: storage.db, clock, logger, userChanged: (userId) => sessions.forgetUser(userId) });
    cleanups.push(() => directory.close());
    const directoryRefresh = await startDirectory(config, directory, { db: storage.db, clock, logger, sessions });
    if (directoryRefresh) {
      cleanups.push(() => directoryRefresh.stop());
      directoryVouches = directoryRefresh.vouches;
    }
    const forwarder = createForwarder({ timeoutMs: config.proxy.timeout, connectTimeoutMs: config.proxy.connect_timeout });
    cleanups.push(() => forwarder.close());

    const limits = await createLimits({ redisUrl: config.redis.url, policy: () => policies.current().policy, logger });
    cleanups.push(() => limits.close());

    const transports = createTransports(config, logger, clock);
    const delivery = startDeliveryWorker({ db: storage.db, clock, logger, email: transports.email, sms: transports.sms, serverSecret: config.session.secret });
    cleanups.push(async () => {
      await delivery.stop();
      transports.email.close();
    });
    const assistance = startAssistanceWorker({
      db: storage.db, clock, logger, geoip, delivery, policy: () => policies.current().policy, serverSecret: config.session.secret,
      accountByEmail: (email) => directory.accountByEmail(email),
      dashboardUrl: (reference) => `${config.server.public_url}${config.server.prefix}/admin/requests/${reference}`,
    });
    // Stopped before the delivery worker (cleanups run in reverse), which its alerts go to.
    cleanups.push(() => assistance.stop());

    const metricsRoute = metricsRoutes(metrics, async () => metrics.outboxDepth.set(await pendingCount(storage.db)));
    if (config.server.metrics_listen) {
      const [metricsHost, metricsPort] = splitListen(config.server.metrics_listen);
      const metricsServer = serve({ fetch: metricsRoute.fetch, hostname: metricsHost, port: Number(metricsPort) }) as Server;
      cleanups.push(() => new Promise<void>((resolve) => metricsServer.close(() => resolve())));
    }

    const identity = createUpstreamIdentity({ config, db: storage.db, clock });
    const appDeps: AppDeps = {
      identity, metrics, metricsRoute: config.server.metrics_listen ? null : metricsRoute,
      config, storage, clock, logger, sessions, forwarder, appFor: createAppRouter(upstreams), policies, limits, directory, delivery, assistance, geoip,
      access: { decideAccess: (request) => policies.current().compiled.decideAccess(request) },
    };
    // A speed trick, kept at the edge: on Node 20 hono/jsx's AsyncLocalStorage would turn on promise
    // hooks for the whole process at the first page rendered, a cost on every proxied request's
    // promises (see the module and bench/ab.ts). Done once, before any page renders.
    renderJsxWithoutAsyncHooks();
    const app = createApp(appDeps);

    const [host, portText] = splitListen(config.server.listen);
    let listeners: ReturnType<typeof createListeners> | undefined;
    const server = await new Promise<Server>((resolve, reject) => {
      const s = serve({
        fetch: app.fetch, hostname: host, port: options.port ?? Number(portText),
        // The unread rest of a body is dropped by http/linger.ts, with limits of its own.
        autoCleanupIncoming: false,
        createServer: ((serverOptions: ServerOptions, honoListener: RequestListener) => {
          listeners = createListeners(appDeps, honoListener, options.liveSocketRecheckMs === undefined ? {} : { liveSocketRecheckMs: options.liveSocketRecheckMs });
          const created = createServer(serverOptions, listeners.request);
          created.on('upgrade', listeners.upgrade);
          return created;
        }) as typeof createServer,
      }, () => resolve(s as Server)) as Server;
      s.once('error', (error: NodeJS.ErrnoException) => reject(new StartupError([`server.listen: cannot listen on ${config.server.listen}: ${error.code ?? error.message}`])));
    });
    server.keepAliveTimeout = 65_000;
    const port = (server.address() as AddressInfo).port;
    return {
      url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      port,
      app,
      storage,
      policies,
      sessions,
      identity,
      delivery,
      assistance,
      metrics,
      clock,
      directory,
      directoryRefresh,
      async close() {
        // Stop accepting, let in-flight requests finish (for server.shutdown_timeout at most), then
        // release dependencies. Relayed WebSockets are no longer the HTTP server's connections:
        // they are ended here.
        listeners?.closeLiveSockets();
        await closeWithinLimit(server, config.server.shutdown_timeout, (openConnections) => {
          logger.warn({ event: 'shutdown.cut', connections: openConnections, limit_ms: config.server.shutdown_timeout },
            'requests still unfinished at server.shutdown_timeout were cut');
        });
        for (const cleanup of cleanups.reverse()) await cleanup();
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
    throw error;
  }
}

/**
 * Under directory.kind ldap: a service account the directory refuses stops start-up with one line
 * naming its keys; an unreachable directory does not (sign-ins of directory users fail closed and
 * readiness names it until it answers). Then the background refresh starts, with one run at once.
 */
async function startDirectory(
  config: Config, directory: Directory,
  deps: Pick<Parameters<typeof startDirectoryRefresh>[0], 'db' | 'clock' | 'logger' | 'sessions'>,
): Promise<DirectoryRefresh | null> {
  if (!directory.ldap) return null;
  const { ldap } = config.directory;
  try {
    if (await directory.ldap.checkServiceBind() === 'refused') {
      throw new StartupError([`directory.ldap.bind_dn, directory.ldap.bind_password_file: the directory refused the service account ${ldap.bind_dn} (invalid credentials)`]);
    }
  } catch (error) {
    if (!(error instanceof DirectoryUnavailableError)) throw error;
    deps.logger.error({ event: 'directory.unavailable', err: error.message }, 'directory unreachable at start-up; directory users cannot sign in until it answers');
  }
  const refresh = startDirectoryRefresh({
    ...deps, ldap: directory.ldap, serverSecret: config.session.secret, intervalMs: config.directory.refresh,
    mapping: { role_groups: ldap.role_groups, type_groups: ldap.type_groups },
  });
  void refresh.refreshNow();
  return refresh;
}

function splitListen(listen: string): [string, string] {
  const at = listen.lastIndexOf(':');
  return [listen.slice(0, at).replace(/^\[|\]$/g, ''), listen.slice(at + 1)];
}
