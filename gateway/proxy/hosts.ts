import picomatch from 'picomatch';

export interface AppTarget {
  name: string;
  host: string;
  /** `http(s)://host:port` of the upstream. */
  origin: string;
  /** Path prefix of the upstream URL, if it had one. */
  basePath: string;
}

/** Routes a request's Host to an app: exact names first, then globs, then `"*"`. */
export function createAppRouter(apps: ReadonlyArray<{ name: string; host: string; upstream: string }>) {
  const targets = apps.map((app): AppTarget => {
    const url = new URL(app.upstream);
    return { name: app.name, host: app.host.toLowerCase(), origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
  });
  const exact = new Map(targets.filter((t) => !/[*?[{]/.test(t.host)).map((t) => [t.host, t]));
  const globs = targets.filter((t) => t.host !== '*' && /[*?[{]/.test(t.host)).map((t) => ({ target: t, match: picomatch(t.host, { nocase: true }) }));
  const fallback = targets.find((t) => t.host === '*');

  return function appFor(hostHeader: string | undefined): AppTarget | undefined {
    const host = (hostHeader ?? '').toLowerCase();
    const hostname = host.replace(/:\d+$/, '');
    return exact.get(host) ?? exact.get(hostname) ?? globs.find((g) => g.match(hostname))?.target ?? fallback;
  };
}
