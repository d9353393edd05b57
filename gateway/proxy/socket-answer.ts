import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

type HeaderList = Record<string, string | string[]> | ReadonlyArray<readonly [string, string]>;

/**
 * An HTTP/1.1 answer written on a bare socket, as an 'upgrade' handler must (Node gives it no
 * ServerResponse). A 101 keeps the connection for the frames that follow; any other answer closes
 * it: with `body`, once it is written; without, after the caller has piped its own body.
 */
export function writeSocketAnswer(socket: Duplex, status: number, headers: HeaderList, body?: string): void {
  if (socket.destroyed || !socket.writable) return;
  const pairs = Array.isArray(headers)
    ? headers as ReadonlyArray<readonly [string, string]>
    : Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((item) => [name, item] as const));
  let text = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
  for (const [name, value] of pairs) text += `${name}: ${value}\r\n`;
  if (status !== 101) text += 'connection: close\r\n';
  if (body === undefined) {
    socket.write(`${text}\r\n`);
    return;
  }
  socket.end(`${text}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
