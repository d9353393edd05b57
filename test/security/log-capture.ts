/**
 * Every log line the gateway writes, at trace level, kept in memory. A test file routes the
 * gateway's logger here with
 *
 *   vi.mock('../../gateway/core/logger.js', async (original) => captureGatewayLogs(await original()));
 *
 * so it can search the logs the way an operator (or an attacker reading them) would.
 */
import type { DestinationStream } from 'pino';
import type * as LoggerModule from '../../gateway/core/logger.js';

export const logLines: string[] = [];

const stream: DestinationStream = {
  write(chunk: string) {
    // pino ends every record with exactly one "\n"; anything else splitting a record would show as a broken line.
    for (const line of chunk.split('\n')) if (line !== '') logLines.push(line);
  },
};

export function captureGatewayLogs(real: typeof LoggerModule): typeof LoggerModule {
  return { ...real, createLogger: () => real.createLogger('trace', stream) };
}
