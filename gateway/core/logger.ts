import pino, { type Logger } from 'pino';

/** Structured JSON logs; secrets never reach them (redacted paths are a second line of defence). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'recourse' },
    redact: { paths: ['password', 'code', 'token', 'secret', '*.password', '*.code', '*.token', '*.secret'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, destination);
}
