// An app behind Recourse checks that the identity really came from the gateway.
import { createRemoteJWKSet, jwtVerify } from 'jose';

const RECOURSE = process.env.RECOURSE_URL ?? 'https://login.example.org'; // server.public_url
const keys = createRemoteJWKSet(new URL('/.recourse/.well-known/jwks.json', RECOURSE));

/** The signed-in user, or null when the request did not come through Recourse for this app. */
export async function recourseUser(headers: Record<string, string | string[] | undefined>, app = 'wiki') {
  const token = headers['x-recourse-assertion'];
  if (typeof token !== 'string') return null;
  try {
    const { payload } = await jwtVerify(token, keys, { issuer: RECOURSE, audience: app, algorithms: ['ES256'] });
    return { id: payload.sub, email: payload.email, name: payload.name, groups: payload.groups, amr: payload.amr };
  } catch {
    return null;
  }
}
