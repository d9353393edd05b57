import http from 'node:http';
import type { AddressInfo } from 'node:net';

const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * The built-in demo "legacy app" (`upstream: builtin:demo`): it knows nothing about sign-in and
 * shows the request and headers it received, so the identity headers Recourse adds are visible
 * (as JSON for `Accept: application/json`: `{method, url, headers: [[name, value], …]}`).
 */
export async function startDemoApp(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if ((req.headers.accept ?? '').includes('application/json')) {
      // The headers as received, names spelled and repeated as sent: what an app's config would read.
      const headers = req.rawHeaders.flatMap((name, i) => (i % 2 === 0 ? [[name, req.rawHeaders[i + 1]!]] : []));
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers }));
      return;
    }
    const rows = Object.entries(req.headers).sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => `<tr${name.startsWith('remote-') ? ' style="background:#ecfdf3"' : ''}><th>${escape(name)}</th><td>${escape(String(value))}</td></tr>`).join('');
    const user = req.headers['remote-name'] || req.headers['remote-email'] || 'someone';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo legacy app</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #d9dee7;font-family:monospace;font-size:.85rem;word-break:break-all}</style></head>
<body><h1>Demo legacy app</h1><p>Hello, <strong>${escape(String(user))}</strong>. This app has no sign-in of its own: Recourse signed you in and added the <code>Remote-*</code> headers highlighted below.</p>
<p>${escape(req.method ?? 'GET')} <code>${escape(req.url ?? '/')}</code></p>
<p><a href="/.recourse/account">Your account</a></p>
<table>${rows}</table></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
