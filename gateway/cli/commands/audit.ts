import { and, asc, gt, gte } from 'drizzle-orm';
import { auditLog } from '../../../db/schema/index.js';
import { formatChainHead, parseChainHead, verifyAuditChain } from '../../audit/verify.js';
import { EXIT, type DbCommand } from '../context.js';

export const auditVerify: DbCommand = {
  async run(ctx, values) {
    const expectHead = values['expect-head'] === undefined ? undefined : parseChainHead(String(values['expect-head']));
    if (values['expect-head'] !== undefined && !expectHead) {
      ctx.err('audit verify: --expect-head must be ID:HASH as printed by an earlier audit verify (64 hex digits)');
      return EXIT.usage;
    }
    const check = await verifyAuditChain(ctx.db, ctx.config.session.secret, expectHead ? { expectHead } : {});
    if (check.ok) {
      ctx.out(`audit chain intact: ${check.rows} rows${check.head ? `, head ${formatChainHead(check.head)}` : ''}`);
      return EXIT.ok;
    }
    ctx.err(`audit chain broken at row ${check.brokenAt}: ${check.problem} (${check.rows} rows verified before it)`);
    return EXIT.refused;
  },
};

const CSV_COLUMNS = ['id', 'at', 'event', 'actor_id', 'actor_label', 'user_id', 'ip', 'location', 'reason', 'details', 'request_id', 'hash'] as const;

/** RFC 4180 quoting; a leading =,+,-,@ is defused so spreadsheets do not run it as a formula. */
function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const auditExport: DbCommand = {
  async run(ctx, values) {
    const format = String(values.format ?? 'csv');
    if (format !== 'csv' && format !== 'jsonl') {
      ctx.err('audit export: --format must be csv or jsonl');
      return EXIT.usage;
    }
    const since = values.since ? new Date(String(values.since)) : null;
    if (since && Number.isNaN(since.getTime())) {
      ctx.err('audit export: --since must be an ISO date or time');
      return EXIT.usage;
    }
    if (format === 'csv') ctx.out(CSV_COLUMNS.join(','));
    let lastId = 0;
    for (;;) {
      const rows = await ctx.db.select().from(auditLog)
        .where(and(gt(auditLog.id, lastId), since ? gte(auditLog.at, since) : undefined)).orderBy(asc(auditLog.id)).limit(2_000);
      for (const row of rows) {
        const record = { id: row.id, at: row.at, event: row.event, actor_id: row.actorId, actor_label: row.actorLabel, user_id: row.userId, ip: row.ip, location: row.location, reason: row.reason, details: row.details, request_id: row.requestId, hash: row.hash };
        ctx.out(format === 'csv' ? CSV_COLUMNS.map((c) => csvCell(record[c])).join(',') : JSON.stringify(record));
      }
      if (rows.length < 2_000) break;
      lastId = rows.at(-1)!.id;
    }
    return EXIT.ok;
  },
};
