/**
 * Every log line a gateway writes, at trace level, kept in memory: a test file starts its gateway
 * with `startTestGateway({ …, logger: capture.logger })` and searches `capture.lines` the way an
 * operator (or an attacker reading the logs) would.
 */
import type { Logger } from 'pino';
import { createLogger } from '../../gateway/core/logger.js';

export interface LogCapture {
  logger: Logger;
  lines: string[];
}

export function captureLogs(): LogCapture {
  const lines: string[] = [];
  const logger = createLogger('trace', {
    write(chunk: string) {
      // pino ends every record with exactly one "\n"; anything else splitting a record would show as a broken line.
      for (const line of chunk.split('\n')) if (line !== '') lines.push(line);
    },
  });
  return { logger, lines };
}
