// Emails are written in the recipient's language (users.language, CONTRACT §8.4): the words, the
// dates and the document's lang attribute; an unknown or missing language is English.
import { describe, expect, it } from 'vitest';
import { accessEmail, backupCodeUsedEmail, recoveryNoticeEmail } from '../../../gateway/delivery/templates/index.js';

describe('email language', () => {
  it('writes an access email in German for a German reader', () => {
    const email = accessEmail({ name: 'Lena', link: 'https://id.example/p/password/reset?token=t', ttlMinutes: 60, language: 'de' });
    expect(email.subject).toBe('Neues Recourse-Passwort festlegen');
    expect(email.text).toContain('Hallo Lena,');
    expect(email.text).toContain('läuft in 60 Minuten ab');
    expect(email.html).toContain('<html lang="de">');
  });

  it('writes dates in the reader language, and counts with its plural forms', () => {
    const email = backupCodeUsedEmail({ name: null, codesLeft: 1, when: new Date('2026-12-07T13:05:00Z'), ip: '192.0.2.1', language: 'fr' });
    expect(email.text).toContain('le 7 déc. 2026');
    expect(email.text).toContain('Il vous reste 1 code de secours inutilisé.');
  });

  it('falls back to English for a language it does not have', () => {
    const email = recoveryNoticeEmail({ name: 'Kim', action: 'password_reset', when: new Date('2026-12-07T13:05:00Z'), language: 'xx' });
    expect(email.subject).toBe('Recourse: your password was changed');
    expect(email.text).toContain('This happened on 2026-12-07 13:05 UTC.');
    expect(email.html).toContain('<html lang="en">');
  });
});
