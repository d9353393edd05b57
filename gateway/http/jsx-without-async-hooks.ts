import { jsx } from 'hono/jsx';

/**
 * hono/jsx keeps JSX context values (createContext/useContext) in an AsyncLocalStorage it makes at
 * its first render. On Node 20 an AsyncLocalStorage, once used, installs promise hooks for the
 * whole process: from the first sign-in page on, every promise of every proxied request ran a
 * hook (~9 µs of a proxied request in the bench). Our views use no JSX context, so hono's fallback
 * without AsyncLocalStorage, context values during synchronous rendering only, loses nothing.
 * Rendering once at start-up (createApp), before any page, with node:async_hooks hidden from
 * hono's one-time probe, settles that. Request-scoped data (request id, logger, session) lives on the Hono context.
 */
export function renderJsxWithoutAsyncHooks(): void {
  const getBuiltinModule = process.getBuiltinModule;
  if (typeof getBuiltinModule !== 'function') return;
  process.getBuiltinModule = ((id: string) => (id === 'node:async_hooks' ? undefined : getBuiltinModule(id))) as typeof getBuiltinModule;
  try {
    String(jsx('i', {}));
  } finally {
    process.getBuiltinModule = getBuiltinModule;
  }
}
