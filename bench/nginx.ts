import fs from 'node:fs';
import path from 'node:path';
import { freePort, startChild, waitForPort, type Child } from './child.js';

/**
 * The C ceiling: nginx `proxy_pass` with an upstream keep-alive pool, one worker, no access log;
 * a second port proxies WebSockets.
 * The config lives in a temp dir of its own; `-e` keeps nginx away from /var/log at start-up.
 */
export async function startNginx(dir: string, upstreamPort: number, core: number | undefined): Promise<{ child: Child; url: string; websocketUrl: string }> {
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const port = await freePort();
  const websocketPort = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  upstream bench_upstream {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
  # WebSockets as nginx's documentation proxies them (one upstream connection per socket).
  server {
    listen 127.0.0.1:${websocketPort};
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_set_header Host $host;
      proxy_read_timeout 300s;
    }
  }
}
`);
  const { child } = await startChild({ name: 'nginx', command: 'nginx', args: ['-p', dir, '-c', conf, '-e', path.join(dir, 'logs', 'error.log')], core });
  try {
    await waitForPort(port);
  } catch (error) {
    await child.stop();
    throw new Error(`nginx did not start: ${(error as Error).message}\n${child.stderr()}`);
  }
  return { child, url: `http://127.0.0.1:${port}`, websocketUrl: `http://127.0.0.1:${websocketPort}` };
}
