import client from 'prom-client';
import { hashLoad } from '../security/password.js';
import { createProxyTraffic } from './proxy-traffic.js';

/**
 * The gateway's Prometheus metrics, in one registry of its own (so tests running several gateways
 * in one process do not collide on prom-client's global default registry).
 */
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'recourse_' });
  const proxyTraffic = createProxyTraffic();
  proxyTraffic.register(registry);
  const auditEvents = new client.Counter({ name: 'recourse_audit_events_total', help: 'Audit events written, by event', labelNames: ['event'] as const, registers: [registry] });
  const signIns = new client.Counter({ name: 'recourse_sign_ins_total', help: 'Sign-in and second-factor outcomes by step, method and outcome', labelNames: ['step', 'method', 'outcome'] as const, registers: [registry] });
  const recovery = new client.Counter({ name: 'recourse_recovery_events_total', help: 'Recovery events by kind', labelNames: ['kind'] as const, registers: [registry] });
  const rateLimited = new client.Counter({ name: 'recourse_rate_limit_rejections_total', help: 'Requests refused by a rate limit, by purpose', labelNames: ['purpose'] as const, registers: [registry] });
  const deliveryFailures = new client.Counter({ name: 'recourse_delivery_failures_total', help: 'Failed delivery attempts by channel', labelNames: ['channel'] as const, registers: [registry] });
  const outboxDepth = new client.Gauge({ name: 'recourse_outbox_pending', help: 'Messages waiting in the outbox', registers: [registry] });
  const websocketsOpen = new client.Gauge({ name: 'recourse_websockets_open', help: 'WebSockets relayed now, by app', labelNames: ['app'] as const, registers: [registry] });
  const websocketUpgrades = new client.Counter({ name: 'recourse_websocket_upgrades_total', help: 'WebSocket handshakes by app and outcome (relayed, refused_by_upstream, unauthenticated, forbidden, disabled, unavailable, unknown_site, upstream_unreachable, upstream_timeout)', labelNames: ['app', 'outcome'] as const, registers: [registry] });
  const policyVersion = new client.Gauge({ name: 'recourse_policy_info', help: 'The policy version in force (value 1)', labelNames: ['version'] as const, registers: [registry] });
  // Read at scrape time: a growing `waiting` is a sign-in backlog (hashes queue for a thread).
  new client.Gauge({
    name: 'recourse_password_hashes', help: 'argon2id hashes running and waiting for a thread-pool slot', labelNames: ['state'] as const, registers: [registry],
    collect() {
      const load = hashLoad();
      this.set({ state: 'running' }, load.running);
      this.set({ state: 'waiting' }, load.waiting);
    },
  });
  new client.Counter({
    name: 'recourse_password_hashes_refused_total', help: 'Password checks refused with 503 because server.password_hash_queue was full', registers: [registry],
    collect() {
      this.reset();
      this.inc(hashLoad().refused);
    },
  });
  return { registry, proxyTraffic, auditEvents, signIns, recovery, rateLimited, deliveryFailures, outboxDepth, policyVersion, websocketsOpen, websocketUpgrades };
}

export type Metrics = ReturnType<typeof createMetrics>;

const RECOVERY_EVENTS = new Set([
  'backup_code.used', 'email_otp.used', 'recovery_code.used', 'assistance.submitted', 'recovery_request.code_generated',
  'recovery_request.cancelled', 'recovery_request.completed', 'access_email.sent', 'password.reset', 'second_factor.reset',
]);

/** Maps an audit event onto the sign-in and recovery counters: one source of truth for both. */
export function countAuditEvent(metrics: Metrics, event: string, details: Record<string, unknown> | undefined): void {
  metrics.auditEvents.inc({ event });
  const method = typeof details?.method === 'string' ? details.method : 'password';
  if (event === 'login.succeeded') metrics.signIns.inc({ step: 'password', method: 'password', outcome: 'success' });
  else if (event === 'login.failed') metrics.signIns.inc({ step: 'password', method: 'password', outcome: 'failure' });
  else if (event === 'login.locked') metrics.signIns.inc({ step: 'password', method: 'password', outcome: 'locked' });
  else if (event === 'second_factor.succeeded') metrics.signIns.inc({ step: 'second_factor', method, outcome: 'success' });
  else if (event === 'second_factor.failed') metrics.signIns.inc({ step: 'second_factor', method, outcome: 'failure' });
  if (event === 'delivery.failed') metrics.deliveryFailures.inc({ channel: typeof details?.channel === 'string' ? details.channel : 'email' });
  if (RECOVERY_EVENTS.has(event)) metrics.recovery.inc({ kind: event });
}
