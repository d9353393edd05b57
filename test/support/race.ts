import { expect } from 'vitest';
import { TestClient } from './client.js';
import { startTestGateway, type TestGateway } from './gateway.js';
import { openTestStorage } from './storage.js';

export const RACE_ATTEMPTS = 20;
export const VICTIM = { email: 'victim@example.com', password: 'correct horse battery' };

export interface RaceSetup {
  storage: Awaited<ReturnType<typeof openTestStorage>>;
  /** Two instances on one database, as behind a load balancer. */
  gateways: [TestGateway, TestGateway];
  userId: string;
  close(): Promise<void>;
}

/** Two gateway instances sharing one fresh storage, and the victim's account on it. */
export async function startRaceGateways(): Promise<RaceSetup> {
  const storage = await openTestStorage();
  const gateways: TestGateway[] = [];
  const close = async () => {
    for (const gw of gateways) await gw.close();
    await storage.close();
  };
  try {
    gateways.push(await startTestGateway({ storage }), await startTestGateway({ storage }));
    const userId = await gateways[0]!.addUser(VICTIM);
    return { storage, gateways: [gateways[0]!, gateways[1]!], userId, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Signs the victim in RACE_ATTEMPTS times with the password alone, half on each instance, each
 * session loading `path` for its form's CSRF token; then posts `form` from all of them at once.
 */
export async function raceForm(gateways: readonly TestGateway[], path: string, form: Record<string, string>): Promise<{ clients: TestClient[]; answers: Response[] }> {
  const clients: TestClient[] = [];
  for (let i = 0; i < RACE_ATTEMPTS; i++) {
    const client = new TestClient(gateways[i % gateways.length]!.url);
    expect((await client.signIn(VICTIM.email, VICTIM.password)).status).toBe(303);
    expect((await client.page(path)).res.status).toBe(200);
    clients.push(client);
  }
  const answers = await Promise.all(clients.map((client) => client.postForm(path, form)));
  return { clients, answers };
}

export interface Answer {
  status: number;
  body: string;
  headers: Headers;
}

/**
 * Fires `count` requests at once and, as soon as one of them is refused with 429 (the limit is
 * reached), `then` as well, while the rest are still in flight; `then` goes last if none is.
 * Bodies are read, so that every connection is free again when this returns.
 */
export async function burst(count: number, fire: (i: number) => Promise<Response>, then: () => Promise<Response>): Promise<{ answers: Answer[]; then: Answer }> {
  let late: Promise<Answer> | undefined;
  const sendLate = () => {
    if (!late) {
      late = read(then());
      // Awaited below; until then a failure must not count as unhandled.
      late.catch(() => {});
    }
    return late;
  };
  const answers = await Promise.all(Array.from({ length: count }, async (_, i) => {
    const answer = await read(fire(i));
    if (answer.status === 429) void sendLate();
    return answer;
  }));
  return { answers, then: await sendLate() };
}

async function read(pending: Promise<Response>): Promise<Answer> {
  const res = await pending;
  return { status: res.status, body: await res.text(), headers: res.headers };
}
