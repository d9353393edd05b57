/** The guards every route group takes its middleware from: `requireSession`, `requireSecondFactor`, `requireAdmin`. */
import { createAdminGuard, type AdminGuardDeps } from './admin.js';
import { createSessionGuards } from './session.js';

export type Guards = ReturnType<typeof createGuards>;

export function createGuards(deps: AdminGuardDeps) {
  return { ...createSessionGuards(deps), ...createAdminGuard(deps) };
}

export { adminRefusal, type AdminPass, type AdminShellContext, type ApiAdmin } from './admin.js';
export { herePath, stepUpPromptUrl } from './session.js';
