// Attack: account enumeration through the timing of "Can't sign in?" on a loaded machine. For an
// existing account the gateway does more (its history, factors, the administrators' alerts); once
// that work outlasts the 400 ms response floor, the padding no longer hides it and the slower
// answers mark the existing accounts (SECURITY A1; the enumeration test flaked once this way).
// The account work is therefore off the answer's path: the answer leaves whether or not it has
// finished. Here it is held up indefinitely — another session locks the outbox table that the
// administrators' alerts go to — and the answer for an existing account, with administrators to
// alert, still comes back; the work completes once the lock is gone. PostgreSQL only: holding a
// lock from another session needs a second connection, which embedded storage does not have.
import { eq } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistanceRequests, outbox } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway } from '../support/gateway.js';
import { usingPostgres } from '../support/storage.js';

const P = '/.recourse';
const REFERENCE = /AR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/;
// Far beyond the floor: an answer that waited for the held-up work would not come back at all.
const ANSWER_TIMEOUT_MS = 15_000;

describe.skipIf(!usingPostgres)('the assistance answer while its account work is held up (PostgreSQL)', () => {
  let fixture: ProxiedTestGateway;
  let userId = '';
  beforeAll(async () => {
    fixture = await startProxiedTestGateway({ policy: { access: { default: 'one_factor' } } });
    userId = await fixture.gw.addUser({ email: 'alice@example.com', password: 'correct horse battery' });
    await fixture.gw.addUser({ email: 'root@example.com', role: 'super_admin' });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('comes back for an existing account, and the work completes once the lock is gone', async () => {
    const blocker = new pg.Client({ connectionString: fixture.storage.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table outbox in exclusive mode');
      const client = new TestClient(fixture.gw.url);
      await client.page(`${P}/assist`);
      const res = await client.request(`${P}/assist`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: client.base },
        body: new URLSearchParams({ _csrf: client.csrf, email: 'alice@example.com', type: 'lost_2fa', message: 'New phone.' }),
        signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
      });
      expect(res.status).toBe(200);
      const reference = REFERENCE.exec(await res.text())![0];
      const [waiting] = await fixture.storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.reference, reference));
      expect(waiting).toMatchObject({ userId: null, processedAt: null });

      await blocker.query('commit');
      await fixture.gw.running.assistance.poke();
      const [done] = await fixture.storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.reference, reference));
      expect(done!.userId).toBe(userId);
      expect(done!.processedAt).not.toBeNull();
      expect(await fixture.storage.db.select().from(outbox).where(eq(outbox.kind, 'assistance_alert'))).toHaveLength(1);
    } finally {
      await blocker.query('rollback').catch(() => {});
      await blocker.end();
    }
  });
});
