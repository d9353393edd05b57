import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
}

/** An echo upstream that records what reached it; handlers can be swapped per test. */
export async function startEchoUpstream(handler?: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: SeenRequest[] = [];
  let current = handler ?? ((req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': 'echo' });
    res.end(`hello ${req.method} ${req.url}`);
  });
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
    current(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    last: () => seen.at(-1),
    handle(next: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
      current = next;
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
