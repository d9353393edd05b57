import http from 'node:http';

export interface HostAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A GET with a Host header of the test's choosing (fetch will not set one): one value, or several
 * sent as repeated header lines, exactly as written.
 */
export function requestWithHost(base: string, host: string | readonly string[], path = '/', headers: Record<string, string> = {}): Promise<HostAnswer> {
  const url = new URL(base);
  const hosts: readonly string[] = typeof host === 'string' ? [host] : host;
  const lines = [...hosts.flatMap((value) => ['Host', value]), ...Object.entries(headers).flat()];
  return new Promise((resolve, reject) => {
    // No agent: an agent insists on a single string Host to name the server.
    const req = http.request({ hostname: url.hostname, port: url.port, path, method: 'GET', setHost: false, agent: false, headers: lines }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
