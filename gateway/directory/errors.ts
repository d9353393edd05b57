import { translatable } from '../i18n/i18n.js';
/** The directory could not be asked (unreachable, timed out, refused the service account). */
export class DirectoryUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DirectoryUnavailableError';
  }
}

export const DIRECTORY_UNAVAILABLE_MESSAGE = translatable("Sign-in is unavailable: your organisation's directory cannot be reached. Try again in a few minutes.");
