/**
 * A level-2 session for tests that are not about the second factor itself: the session behind the
 * client's cookie is stepped up directly (as a passed second factor would) and the new cookie put
 * in the client's jar.
 */
import type { TestClient } from './client.js';
import type { TestGateway } from './gateway.js';

export async function stepUpClient(gw: TestGateway, client: TestClient, options: { restricted?: boolean } = {}): Promise<string> {
  const cookieName = gw.config.session.cookie_name;
  const current = client.cookies.get(cookieName);
  const view = await gw.running.sessions.resolve(current);
  if (!view) throw new Error('stepUpClient: the client has no live session; sign in first');
  const fresh = await gw.running.sessions.stepUp(gw.storage.db, view, options.restricted ? { restricted: true } : {});
  client.cookies.set(cookieName, fresh.cookieValue);
  return fresh.cookieValue;
}
