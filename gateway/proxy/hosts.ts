import picomatch from 'picomatch';
import { hostPattern, readHost, type RequestHost } from '../core/host.js';

export interface AppTarget {
  name: string;
  host: string;
  /** `http(s)://host:port` of the upstream. */
  origin: string;
  /** Path prefix of the upstream URL, if it had one. */
  basePath: string;
}

const GLOB = /[*?[{]/;

/**
 * Routes a request's host (read by core/host.ts, the reading the access policy judges) to an app:
 * exact names first (with the port, then without), then globs, then `"*"`.
 */
export function createAppRouter(apps: ReadonlyArray<{ name: string; host: string; upstream: string }>) {
  const targets = apps.map((app): AppTarget => {
    const url = new URL(app.upstream);
    return { name: app.name, host: hostPattern(app.host), origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
  });
  // An app's own host is spelled as a request's would be read, so `App.Example.com.` still matches.
  const exact = new Map(targets.filter((t) => !GLOB.test(t.host)).map((t) => {
    const read = readHost(t.host);
    return [read.ok ? read.host.authority : t.host, t];
  }));
  const globs = targets.filter((t) => t.host !== '*' && GLOB.test(t.host)).map((t) => ({ target: t, match: picomatch(t.host, { nocase: true }) }));
  const fallback = targets.find((t) => t.host === '*');

  return function appFor(host: RequestHost): AppTarget | undefined {
    return exact.get(host.authority) ?? exact.get(host.name) ?? globs.find((g) => g.match(host.name))?.target ?? fallback;
  };
}

export type AppRouter = ReturnType<typeof createAppRouter>;
