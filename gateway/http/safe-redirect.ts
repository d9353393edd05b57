import picomatch from 'picomatch';

/**
 * Where `rd` may send a user after sign-in (SECURITY S7): a same-site path, or an absolute http(s)
 * URL on the gateway's own public host or one of its app hosts. A `"*"` app host does not make
 * every host trusted; it only admits the host the request itself came to.
 */
export function createRedirectGuard(publicUrl: string, appHosts: readonly string[]) {
  const publicHost = new URL(publicUrl).host.toLowerCase();
  const matchers = appHosts.filter((host) => host !== '*').map((host) => picomatch(host.toLowerCase(), { nocase: true }));

  return function safeRedirect(rd: string | undefined | null, requestHost: string | undefined, fallback: string): string {
    if (!rd || rd.length > 2048) return fallback;
    // Browsers treat `\` as `/` and ignore tabs/newlines, so `/\evil` and `/\t/evil` are other hosts.
    if (/[\\\u0000-\u001f\u007f]/.test(rd)) return fallback;
    if (rd.startsWith('/')) return rd.startsWith('//') ? fallback : rd;
    let url: URL;
    try {
      url = new URL(rd);
    } catch {
      return fallback;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return fallback;
    if (url.username || url.password) return fallback;
    const host = url.host.toLowerCase();
    const hostname = url.hostname.toLowerCase();
    const allowed = host === publicHost
      || (requestHost !== undefined && host === requestHost.toLowerCase())
      || matchers.some((match) => match(hostname) || match(host));
    return allowed ? url.toString() : fallback;
  };
}
