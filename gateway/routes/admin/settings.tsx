import { Hono, type Context } from 'hono';
import { SettingsPage } from '../../../views/pages/admin/settings.js';
import { recordAudit } from '../../audit/write.js';
import { describeRefusal, mayUse, permissionRules } from '../../admin/permissions.js';
import { describeLocation } from '../../context/geoip.js';
import type { AppEnv } from '../../http/env.js';
import { formatPolicyErrors, type PolicyError } from '../../policy/load.js';
import { readPolicyDirState, saveSettings, type PolicyDirState } from '../../policy/save.js';
import {
  changedSettings, currentSettings, postedSettings, selectAll, SETTING_FIELDS, SETTING_GROUPS, type SettingValue,
} from '../../policy/settings.js';
import type { RouteDeps } from '../deps.js';
import type { AdminPass, Guards } from '../guards/index.js';

type Ctx = Context<AppEnv>;

const KEYS = SETTING_FIELDS.map((field) => field.key);

const NOTICES: Readonly<Record<string, string>> = {
  saved: 'Settings saved into the policy files and in force.',
  unchanged: 'Nothing changed, so nothing was written.',
};

type Values = Record<string, SettingValue>;

interface Drawn {
  /** What the form shows, given the files' values now (default: those). */
  values?: (files: Values) => Values;
  /** Carry the form's own compare-and-swap token and base on (a redraw that saves nothing). */
  keep?: { digest: string; base: Values };
  onDisk?: boolean;
  errors?: readonly PolicyError[];
  error?: string;
  notice?: string | null;
  status?: 200 | 400 | 409 | 500;
}

/**
 * `GET/POST P/admin/settings` (issue 28 item 1, CONTRACT §8.4): every administrator sees the values
 * and where they come from; owners and super_admins with a fresh second factor save them into the
 * policy files (policy/save.ts), which then load through the policy store like a hand edit and are
 * audited `policy.changed` with the actor and each key's before and after.
 */
export function adminSettingsRoutes(deps: RouteDeps, { requireAdmin }: Guards) {
  const prefix = deps.config.server.prefix;
  const dir = deps.config.policies.dir;
  const app = new Hono<AppEnv>();
  // One save at a time in this process; the digest check covers other processes and editors.
  let saving: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T,>(work: () => Promise<T>): Promise<T> => {
    const run = saving.then(work);
    saving = run.catch(() => undefined);
    return run;
  };

  async function draw(c: Ctx, pass: AdminPass, drawn: Drawn) {
    const read = await readPolicyDirState(dir, KEYS);
    const state: PolicyDirState | null = read.ok ? read.state : null;
    const files = currentSettings(state?.policy ?? deps.policies.current().policy);
    const check = mayUse(pass.who.actor, 'change_settings', permissionRules(deps.policies.current().policy), pass.who.credential, deps.clock.nowMs());
    const readOnly = check.ok || check.refusal === 'second_factor_required' ? null : describeRefusal(check.refusal);
    const fieldErrors: Record<string, string[]> = {};
    const general: string[] = [];
    for (const problem of drawn.errors ?? []) {
      const key = KEYS.find((k) => problem.key === k || problem.key.startsWith(`${k}.`) || problem.key.startsWith(`${k}[`));
      if (key) (fieldErrors[key] ??= []).push(problem.message);
      else general.push(...formatPolicyErrors([problem]));
    }
    const unreadable = read.ok ? null : `The policy files on disk are refused, so nothing can be saved until they are fixed: ${formatPolicyErrors(read.errors).join('; ')}`;
    const error = [drawn.error, unreadable, ...general].filter(Boolean).join(' ') || null;
    return c.html(
      <SettingsPage
        {...pass.shell} groups={SETTING_GROUPS} values={drawn.values?.(files) ?? files} onDisk={drawn.onDisk ? files : null}
        sources={state?.sources ?? {}} targets={state?.targets ?? {}}
        digest={state ? drawn.keep?.digest ?? state.digest : null} base={drawn.keep?.base ?? files}
        readOnly={readOnly} fieldErrors={fieldErrors} error={error} notice={drawn.notice ?? null}
      />,
      drawn.status ?? 200,
    );
  }

  /** The values the form was drawn with (a hidden field), to tell this administrator's edits from the disk's. */
  function baseOf(value: unknown): Values {
    try {
      const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : null;
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Values : {};
    } catch {
      return {};
    }
  }

  app.get('/admin/settings', requireAdmin('dashboard'), (c) => draw(c, c.var.admin, { notice: NOTICES[c.req.query('notice') ?? ''] ?? null }));

  app.post('/admin/settings', requireAdmin('change_settings'), async (c) => {
    const pass = c.var.admin;
    const log = c.get('log');
    const form = await c.req.parseBody({ all: true });
    const posted = postedSettings(form);
    const digest = typeof form._digest === 'string' ? form._digest : '';
    const base = baseOf(form._base);
    const command = typeof form._select === 'string' ? form._select : '';
    if (command) {
      // Select all / Remove all: the form again with one list changed; nothing is saved.
      return draw(c, pass, { keep: { digest, base }, values: (files) => selectAll({ ...files, ...posted }, command) ?? { ...files, ...posted } });
    }
    const outcome = await oneAtATime(() => saveSettings(dir, digest, posted));
    if (!outcome.ok) {
      log.info({ event: 'settings.refused', reason: outcome.reason, ...('errors' in outcome ? { errors: formatPolicyErrors(outcome.errors) } : {}) }, 'settings not saved');
      const values = (files: Values) => ({ ...files, ...posted });
      switch (outcome.reason) {
        case 'conflict': {
          // Neither edit is lost: the form takes what changed on disk, and keeps what this
          // administrator changed (their values win where both changed, shown beside the disk's).
          const mine = (files: Values) => ({ ...files, ...Object.fromEntries(changedSettings(base, posted).map((change) => [change.key, change.to])) });
          return draw(c, pass, { values: mine, onDisk: true, status: 409, error: 'The policy files changed on disk after this page was drawn, so nothing was saved. The form now holds what is on disk with your changes on top; check them and save again.' });
        }
        case 'invalid':
          return draw(c, pass, { values, errors: outcome.errors, status: 400, error: 'Nothing was saved: the policy would be refused.' });
        case 'unreadable':
          return draw(c, pass, { values, status: 409 });
        case 'write_failed':
          log.error({ event: 'settings.write_failed', file: outcome.file, code: outcome.code }, 'policy file not written');
          return draw(c, pass, { values, status: 500, error: `Could not write ${outcome.file} in policies.dir (${outcome.code}): the gateway needs write access there to save settings.` });
      }
    }
    if (outcome.changes.length === 0) return c.redirect(`${prefix}/admin/settings?notice=unchanged`, 303);
    // The hot-reload path a hand edit takes; the watcher would get there within a second anyway.
    const reload = await deps.policies.reload();
    const ip = c.get('clientIp');
    await recordAudit(deps.db, deps.config.session.secret, {
      event: 'policy.changed', at: deps.clock.now(), actor: { userId: pass.who.actor.id }, userId: null, ip,
      location: describeLocation(deps.geoip.lookup(ip)), requestId: c.get('requestId'),
      details: { changes: outcome.changes, version: reload.ok ? reload.version : null },
    });
    log.info({ event: 'policy.changed', keys: outcome.changes.map((change) => change.key) }, 'settings saved into the policy files');
    return c.redirect(`${prefix}/admin/settings?notice=saved`, 303);
  });

  return app;
}
