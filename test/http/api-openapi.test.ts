/**
 * `GET P/api/v1/openapi.json` (CONTRACT §8.4): the OpenAPI 3.1 document of the JSON API, fetched
 * from the running gateway and checked three ways: against the OpenAPI 3.1 schema (a maintained
 * validator), against what the gateway really mounts under `P/api/v1` (Hono's routes, both ways),
 * and against real answers of every list (each validates against the schema the document gives).
 * Also the validation that the same schemas do at run time: 401/403 before 400, errors as `{error}`.
 */
import fs from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApiToken } from '../../db/queries/api-tokens.js';
import { newApiToken } from '../../gateway/auth/api-token.js';
import { recordAudit } from '../../gateway/audit/write.js';
import { FixedClock, startTestGateway, TEST_SECRET, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { insertRequest, P, PASSWORD, REASON, signedIn } from './admin-support.js';

const API = `${P}/api/v1`;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface Document {
  openapi: string;
  info: { version: string };
  servers: Array<{ url: string }>;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>;
  components: { schemas: Record<string, object>; securitySchemes: Record<string, Record<string, string>> };
}

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
let doc: Document;
const clock = new FixedClock('2026-03-01T09:00:00Z');
const ids: Record<string, string> = {};
let token = '';

function bearer(path: string, init: RequestInit = {}) {
  return fetch(`${gw.url}${API}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });
}
const postJson = (path: string, body: unknown) => bearer(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Every schema of the document with its `#/components/schemas/…` references made to resolve in Ajv. */
const local = (schema: unknown) => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"components#/$defs/'));

/** JSON Schema 2020-12 (what OpenAPI 3.1 schemas are), strict: an unknown keyword is an error. */
function schemaAjv() {
  const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false });
  ajv.addKeyword('example');
  ajv.addSchema({ $id: 'components', $defs: local(doc.components.schemas) });
  return ajv;
}

function answerValidator() {
  const ajv = schemaAjv();
  return (path: string, method: string, status: number, body: unknown) => {
    const schema = doc.paths[path]?.[method]?.responses[status]?.content?.['application/json']?.schema;
    if (!schema) throw new Error(`no schema for ${method} ${path} ${status}`);
    const validate = ajv.compile(local(schema));
    return validate(body) ? [] : validate.errors!.map((e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message}`);
  };
}

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, clock });
  ids.root = await gw.addUser({ email: 'root@example.com', password: PASSWORD, role: 'super_admin' });
  ids.carol = await gw.addUser({ email: 'carol@example.com', password: PASSWORD, name: 'Carol', type: 'employee' });
  const made = newApiToken();
  await insertApiToken(storage.db, { name: 'root', userId: ids.root, tokenHash: made.tokenHash, now: clock.now() });
  token = made.token;
  const res = await fetch(`${gw.url}${API}/openapi.json`);
  expect(res.status).toBe(200);
  doc = await res.json();
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

describe('the document', () => {
  it('is served without credentials as JSON, cached privately and revalidated by its ETag', async () => {
    const res = await fetch(`${gw.url}${API}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('private, max-age=3600');
    const tag = res.headers.get('etag');
    expect(tag).toBeTruthy();
    const again = await fetch(`${gw.url}${API}/openapi.json`, { headers: { 'if-none-match': tag! } });
    expect(again.status).toBe(304);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // The validator checks the document's structure; each schema in it must also be sound JSON Schema 2020-12.
    const ajv = schemaAjv();
    for (const name of Object.keys(doc.components.schemas)) expect(() => ajv.getSchema(`components#/$defs/${name}`), name).not.toThrow();
    const inline = Object.values(doc.paths).flatMap((item) => Object.values(item)).flatMap((operation) => [
      ...Object.values(operation.responses).flatMap((answer) => Object.values(answer.content ?? {}).map((media) => media.schema)),
      ...((operation as { parameters?: Array<{ schema: object }> }).parameters ?? []).map((parameter) => parameter.schema),
    ]);
    expect(inline.length).toBeGreaterThan(20);
    for (const schema of inline) expect(() => ajv.compile(local(schema))).not.toThrow();
  });

  it('names this gateway: its version, its prefix, its cookie and both ways to authenticate', () => {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe(pkg.version);
    expect(doc.servers).toEqual([expect.objectContaining({ url: `${P}/api/v1` })]);
    expect(doc.components.securitySchemes.apiToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.adminSession).toMatchObject({ type: 'apiKey', in: 'cookie', name: gw.config.session.cookie_name });
    expect(doc.components.securitySchemes.csrfToken).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-CSRF-Token' });
  });

  it('describes exactly the routes mounted under P/api/v1, each with its errors', () => {
    const mounted = new Set(gw.running.app.routes
      .filter((route) => route.method !== 'ALL' && route.path.startsWith(`${API}/`))
      .map((route) => `${route.method.toLowerCase()} ${route.path.slice(API.length).replace(/:(\w+)[^/]*/g, '{$1}')}`));
    const described = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m} ${path}`)));
    expect([...described].sort()).toEqual([...mounted].sort());
    expect(described.size).toBe(9);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (path === '/openapi.json') continue;
        const statuses = Object.keys(operation.responses);
        expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['200', '401', '403', '503']));
        if (method === 'post') expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['400', '404', '409', '415']));
      }
    }
  });
});

describe('real answers validate against the document', () => {
  it('every list, with full and empty fields, and the error answers', async () => {
    await insertRequest(storage, clock, { userId: ids.carol!, email: 'carol@example.com' });
    await insertRequest(storage, clock, { userId: null, email: 'stranger@example.com', at: new Date(clock.nowMs() - 60_000) });
    await recordAudit(storage.db, TEST_SECRET, { event: 'user.created', at: clock.now(), actor: 'cli', userId: ids.carol!, details: { via: 'test' } });
    await recordAudit(storage.db, TEST_SECRET, { event: 'delivery.failed', at: clock.now(), actor: 'system', userId: null });
    await recordAudit(storage.db, TEST_SECRET, { event: 'login.failed', at: clock.now(), actor: null, userId: null, ip: '203.0.113.9' });
    await recordAudit(storage.db, TEST_SECRET, { event: 'logout', at: clock.now(), actor: { userId: ids.root! }, userId: ids.root! });
    const check = answerValidator();
    const samples: Array<[string, string]> = [['/recovery-requests', '/recovery-requests'], ['/audit-logs', '/audit-logs'], ['/backup-codes/stats', '/backup-codes/stats']];
    for (const [path, url] of samples) {
      const res = await bearer(url);
      expect(res.status, url).toBe(200);
      const body = await res.json();
      expect(check(path, 'get', 200, body), url).toEqual([]);
      if ('items' in body) expect(body.items.length, url).toBeGreaterThan(1);
    }
    const audit = await (await bearer('/audit-logs')).json();
    expect(audit.items.map((item: { actor: unknown }) => (typeof item.actor === 'object' && item.actor ? 'user' : item.actor))).toEqual(expect.arrayContaining(['user', 'cli', 'system', null]));

    const errors: Array<[string, number, Response]> = [
      ['/recovery-requests', 400, await bearer('/recovery-requests?status=open')],
      ['/recovery-requests', 401, await fetch(`${gw.url}${API}/recovery-requests`)],
      ['/recovery-requests/{reference}/cancel', 404, await postJson('/recovery-requests/AR-ZZZZ-ZZZZ/cancel', { reason: REASON })],
      ['/recovery-requests/{reference}/cancel', 415, await bearer('/recovery-requests/AR-ZZZZ-ZZZZ/cancel', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<reason/>' })],
    ];
    for (const [path, status, res] of errors) {
      expect(res.status, path).toBe(status);
      const method = path === '/recovery-requests' ? 'get' : 'post';
      expect(check(path, method, status, await res.json()), `${path} ${status}`).toEqual([]);
    }
  });
});

describe('the schemas validate each call', () => {
  it('checks credentials and permission before the input: 401 / 403 come before 400 / 404', async () => {
    const anonymous = await fetch(`${gw.url}${API}/recovery-requests/not-a-reference/cancel`, {
      method: 'POST', headers: { authorization: 'Bearer rcs_unknown', 'content-type': 'application/xml' }, body: 'x',
    });
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.code).toBe('unauthenticated');
    expect((await fetch(`${gw.url}${API}/audit-logs?event=made.up`)).status).toBe(401);
    const plain = newApiToken();
    await insertApiToken(storage.db, { name: 'carol', userId: ids.carol!, tokenHash: plain.tokenHash, now: clock.now() });
    const refused = await fetch(`${gw.url}${API}/users/nobody/reset-2fa`, { method: 'POST', headers: { authorization: `Bearer ${plain.token}`, 'content-type': 'application/json' }, body: '[' });
    expect(refused.status).toBe(403);
  });

  it('refuses a bad body with invalid_request naming the field, as the dashboard\'s forms do', async () => {
    const reference = await insertRequest(storage, clock, { userId: ids.carol!, email: 'carol@example.com' });
    const cases: Array<[unknown, string]> = [
      [{ reason: 5 }, 'Choose a reason from the list.'],
      [{}, 'Choose a reason from the list.'],
      [{ reason: REASON, details: 'x'.repeat(2_001) }, 'Details are too long (2,000 characters at most).'],
      // On Behalf Of names a user (issue 28): too long for any address, or matching nobody.
      [{ reason: REASON, on_behalf_of: 'x'.repeat(321) }, 'On behalf of names no active user: pick one from the search, or type their email.'],
      [{ reason: REASON, on_behalf_of: 'Helpdesk' }, 'On behalf of names no active user: pick one from the search, or type their email.'],
      [[REASON], 'Send a JSON object: {reason, details?, on_behalf_of?}.'],
      ['reason', 'Send a JSON object: {reason, details?, on_behalf_of?}.'],
    ];
    for (const [body, message] of cases) {
      const res = await postJson(`/recovery-requests/${reference}/cancel`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json(), JSON.stringify(body)).toEqual({ error: { code: 'invalid_request', message } });
    }
    const session = await signedIn(gw, 'root@example.com');
    const delivery = await session.postJson(`${API}/recovery-requests/${reference}/generate-code`, { reason: REASON, delivery: 'pigeon' });
    expect(await delivery.json()).toEqual({ error: { code: 'invalid_request', message: 'Choose email or SMS delivery.' } });
    const shape = await session.postJson(`${API}/recovery-requests/${reference}/generate-code`, null);
    expect((await shape.json()).error.message).toBe('Send a JSON object: {reason, details?, on_behalf_of?, delivery?}.');
    // Nothing happened to the request on the way.
    expect((await (await bearer('/recovery-requests')).json()).items.find((item: { reference: string }) => item.reference === reference).status).toBe('pending');
  });

  it('answers a body that is not JSON, or not sent as JSON, in the API\'s error format', async () => {
    const malformed = await bearer('/recovery-requests/AR-ZZZZ-ZZZZ/cancel', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"reason":' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ error: { code: 'invalid_request', message: 'The body is not valid JSON.' } });
    // Form types, and no type at all, without a same-origin Origin are refused before, by the CSRF layer's origin check.
    const res = await bearer(`/users/${ids.carol}/send-access-email`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: JSON.stringify({ reason: REASON }) });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: { code: 'unsupported_media_type', message: 'Send the body as JSON (Content-Type: application/json).' } });
  });

  it('answers a path that can name no object 404 not_found, and a repeated or unknown query value 400 invalid_parameter', async () => {
    const request = await postJson('/recovery-requests/ar-abcd-efgh/cancel', { reason: REASON });
    expect(request.status).toBe(404);
    expect(await request.json()).toEqual({ error: { code: 'not_found', message: 'There is no such request.' } });
    const user = await postJson('/users/not-a-uuid/send-access-email', { reason: REASON });
    expect(await user.json()).toEqual({ error: { code: 'not_found', message: 'There is no such user.' } });
    for (const query of ['status=pending&status=cancelled', 'type=robot', `cursor=${'a'.repeat(513)}`]) {
      const res = await bearer(`/recovery-requests?${query}`);
      expect(res.status, query).toBe(400);
      expect((await res.json()).error.code, query).toBe('invalid_parameter');
    }
    const res = await bearer('/audit-logs?since=yesterday');
    expect(await res.json()).toEqual({ error: { code: 'invalid_parameter', message: 'The since parameter is not valid.' } });
    // Case and spaces are still forgiven, `all` is still everything, and unknown parameters are ignored.
    expect((await bearer('/recovery-requests?status=%20PENDING%20&type=all&page=2')).status).toBe(200);
    expect((await bearer(`/users/${ids.carol!.toUpperCase()}/send-access-email`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: REASON }) })).status).toBe(200);
  });
});
