/** Guards shared by the enrol, challenge and account pages. */
import type { Context } from 'hono';
import type { SessionView } from '../session/store.js';
import { isAdminRole } from '../admin/permissions.js';


/** A gateway path with an optional `rd` carried along (`P/enroll?rd=…`). */
export function withRd(path: string, rd: string | undefined | null): string {
  return rd ? `${path}?rd=${encodeURIComponent(rd)}` : path;
}

/** To the sign-in form, coming back to `target` (a gateway path) afterwards. */
export function redirectToLogin(c: Context, prefix: string, target: string): Response {
  return c.redirect(withRd(`${prefix}/login`, target), c.req.method === 'GET' ? 302 : 303);
}

/** A recovery session goes to set up a new factor, its only way on (SECURITY R3). */
export function redirectToEnrolment(c: Context, prefix: string, rd: string | undefined | null): Response {
  return c.redirect(withRd(`${prefix}/enroll`, rd), c.req.method === 'GET' ? 302 : 303);
}

/** The signed-in user as the page header shows them. */
export function headerUser(session: SessionView): { email: string; name: string; isAdmin: boolean } {
  const { user } = session;
  return { email: user.email, name: user.name, isAdmin: isAdminRole(user.role) };
}
