import { Hono } from 'hono';
import { Document, isScalar, visit } from 'yaml';
import { PoliciesPage, type PolicyLookup } from '../../views/pages/policies.js';
import { findUserByEmail } from '../../db/queries/users.js';
import { formatDuration } from '../core/duration.js';
import type { AppEnv } from '../http/env.js';
import type { Policy } from '../policy/schema.js';
import { canMeet, describeWithin, openObligations, ruleApplies, withState } from '../recovery/reenrollment.js';
import type { RouteDeps } from './deps.js';
import { createGuards } from './guards/index.js';

// Keys the schema turns into milliseconds; shown again as written (`10m`), not as numbers.
const DURATION_KEYS: ReadonlySet<string> = new Set(['ttl', 'find_time', 'ban_time', 'window', 'stale_after', 'usual_response']);

/** The parsed policy as an administrator would write it: durations `10m`, rates `5/1h`, deadlines `immediate`. */
export function policyAsYaml(policy: Policy): string {
  const readable = (value: unknown, key: string): unknown => {
    if (typeof value === 'number' && key === 'within') return describeWithin(value);
    if (typeof value === 'number' && DURATION_KEYS.has(key)) return formatDuration(value);
    if (Array.isArray(value)) return value.map((item) => readable(item, ''));
    if (value && typeof value === 'object') {
      const entries = Object.entries(value);
      const rate = value as { count?: unknown; perMs?: unknown };
      if (entries.length === 2 && typeof rate.count === 'number' && typeof rate.perMs === 'number') return `${rate.count}/${formatDuration(rate.perMs)}`;
      return Object.fromEntries(entries.map(([k, v]) => [k, readable(v, k)]));
    }
    return value;
  };
  const doc = new Document(readable(policy, ''));
  // Lists of plain values on one line (`roles: [super_admin, owner]`), as the shipped file writes them.
  visit(doc, { Seq: (_, node) => { if (node.items.every(isScalar)) node.flow = true; } });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/**
 * `GET P/admin/policies`: the effective policy, its files, version, last reload and last refused
 * change, the escape hatch for a locked-out sole super_admin, and "what would happen" to one user
 * (`?email=`). Administrators past their second factor only, through `requireAdmin` (SECURITY D1, D2).
 */
export function policiesPageRoutes(deps: RouteDeps) {
  const { config } = deps;
  const prefix = config.server.prefix;
  const app = new Hono<AppEnv>();
  const { requireAdmin } = createGuards(deps);

  async function lookup(email: string | undefined): Promise<PolicyLookup | null> {
    const wanted = email?.trim().slice(0, 254);
    if (!wanted) return null;
    const user = await findUserByEmail(deps.db, wanted);
    if (!user) return { email: wanted, found: false };
    const { policy } = deps.policies.current();
    const nowMs = deps.clock.nowMs();
    return {
      email: wanted,
      found: true,
      user: { email: user.email, role: user.role, type: user.type },
      rules: policy.reenrollment.map((rule) => ({
        on: rule.on, require: rule.require, within: describeWithin(rule.within), roles: rule.roles, types: rule.types,
        applies: ruleApplies(rule, user),
        meetable: canMeet(policy, rule.require, user),
      })),
      obligations: (await openObligations(deps.db, user.id)).map((o) => withState(o, nowMs)),
    };
  }

  app.get('/admin/policies', requireAdmin('dashboard', { back: () => `${prefix}/admin/policies` }), async (c) => {
    const { shell } = c.var.admin;
    const snapshot = deps.policies.current();
    return c.html(
      <PoliciesPage
        prefix={prefix} csrfToken={shell.csrfToken} user={shell.user} timeZone={config.server.time_zone}
        superAdmins={shell.superAdmins}
        policy={{ yaml: policyAsYaml(snapshot.policy), version: snapshot.version, files: snapshot.files, loadedAt: snapshot.loadedAt, lastError: snapshot.lastError, warnings: snapshot.warnings }}
        lookup={await lookup(c.req.query('email'))}
      />,
    );
  });

  return app;
}
