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
