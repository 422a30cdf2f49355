import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The process logger. JSON lines on stdout (pino); the level comes from LOG_LEVEL once the
 * configuration is loaded (see config.ts), 'info' until then. SIP passwords, digest responses
 * and bearer tokens are redacted wherever they appear under these keys.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', name = 'contactsuite'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['password', '*.password', 'secret', '*.secret', 'authorization', '*.authorization', 'token', '*.token'],
      censor: '[redacted]',
    },
  });
}

/** A logger that writes nothing, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
