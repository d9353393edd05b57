import { Hono } from 'hono';
import { AuditPage, actorText } from '../../../views/pages/admin/audit.js';
import { listAuditRows, type AuditListRow } from '../../../db/queries/admin-audit.js';
import { AUDIT_EVENTS } from '../../audit/events.js';
import { auditCursor, pageOf } from '../../admin/cursor.js';
import { parseAuditQuery } from '../../admin/filters.js';
import type { AppEnv } from '../../http/env.js';
import type { RouteDeps } from '../deps.js';
import type { Guards } from '../guards/index.js';

const PAGE_SIZE = 100;
const EXPORT_BATCH = 1_000;
const CSV_COLUMNS = ['id', 'at', 'event', 'actor', 'actor_id', 'user', 'user_id', 'ip', 'location', 'reason', 'details'];

/**
 * RFC 4180 quoting, and a leading quote before `=`, `+`, `-`, `@`, tab or CR so a spreadsheet never
 * runs a cell as a formula (OWASP CSV injection): user-typed text reaches the log.
 */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvLine(row: AuditListRow): string {
  return [
    row.id, row.at.toISOString(), row.event, actorText(row), row.actorId, row.userId ? row.userEmail ?? '' : '', row.userId,
    row.ip, row.location, row.reason, Object.keys(row.details).length ? JSON.stringify(row.details) : '',
  ].map(csvCell).join(',') + '\r\n';
}

/** `P/admin/audit` with its filters, and `P/admin/audit.csv`: the whole filtered log, streamed. */
export function adminAuditRoutes(deps: RouteDeps, { requireAdmin }: Guards) {
  const app = new Hono<AppEnv>();
  const timeZone = deps.config.server.time_zone;

  app.get('/admin/audit', requireAdmin('see_requests'), async (c) => {
    const pass = c.var.admin;
    const query = c.req.query();
    const filterValues = { event: query.event ?? '', user: query.user ?? '', actor: query.actor ?? '', since: query.since ?? '', until: query.until ?? '' };
    const parsed = await parseAuditQuery(deps.db, query, PAGE_SIZE + 1);
    if (!parsed.ok) {
      c.get('log').info({ event: 'admin.bad_filter', param: parsed.param }, 'audit filter refused');
      return c.html(<AuditPage {...pass.shell} rows={[]} events={AUDIT_EVENTS} filter={filterValues} nextCursor={null} timeZone={timeZone}
        error={`The ${parsed.param} filter is not valid.`} />, 400);
    }
    const rows = parsed.value.matches ? await listAuditRows(deps.db, parsed.value.filter) : [];
    const page = pageOf(rows, PAGE_SIZE, auditCursor);
    return c.html(<AuditPage {...pass.shell} rows={page.items} events={AUDIT_EVENTS} filter={filterValues} nextCursor={page.nextCursor} timeZone={timeZone} />);
  });

  app.get('/admin/audit.csv', requireAdmin('see_requests', { back: () => `${deps.config.server.prefix}/admin/audit` }), async (c) => {
    const parsed = await parseAuditQuery(deps.db, c.req.query(), EXPORT_BATCH);
    if (!parsed.ok) return c.text(`The ${parsed.param} filter is not valid.`, 400);
    const { filter, matches } = parsed.value;
    const log = c.get('log');
    let beforeId = filter.beforeId;
    let done = !matches;
    const encoder = new TextEncoder();
    // Pages of EXPORT_BATCH rows on the id keyset: memory stays flat however long the log is.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(`${CSV_COLUMNS.join(',')}\r\n`));
      },
      async pull(controller) {
        if (done) return controller.close();
        try {
          const rows = await listAuditRows(deps.db, { ...filter, beforeId });
          if (rows.length > 0) controller.enqueue(encoder.encode(rows.map(csvLine).join('')));
          beforeId = rows[rows.length - 1]?.id ?? beforeId;
          if (rows.length < EXPORT_BATCH) done = true;
        } catch (error) {
          log.error({ err: String(error) }, 'audit export failed');
          controller.error(error);
        }
      },
    });
    log.info({ event: 'admin.audit_exported', filter: c.req.query() }, 'audit log exported');
    return c.body(body, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="recourse-audit.csv"',
    });
  });

  return app;
}
