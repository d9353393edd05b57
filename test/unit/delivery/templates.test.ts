// Attack: a requester (or a user naming themselves) puts markup or header-breaking line feeds into
// any value that ends up in an email, to run script in an admin's mail client, forge lines of the
// alert, or inject headers through the subject.
import { describe, expect, it } from 'vitest';
import {
  accessEmail,
  assistanceAlertEmail,
  backupCodeUsedEmail,
  emailOtpEmail,
  escapeHtml,
  invitationEmail,
  recoveryCodeEmail,
  recoveryNoticeEmail,
  type AssistanceAlertInput,
  type RenderedEmail,
} from '../../../gateway/delivery/templates/index.js';

const EVIL = '<script>alert("x")</script>"\r\nBcc: victim@evil.test';
const when = new Date('2026-01-15T12:34:00Z');

function expectSafe(mail: RenderedEmail): void {
  expect(mail.subject).not.toMatch(/[\r\n]/);
  expect(mail.subject).toContain('Recourse');
  expect(mail.text).toContain('Recourse');
  expect(mail.html).toContain('Recourse');
  expect(mail.html).not.toContain('<script>');
  expect(mail.html).not.toContain('alert("x")');
  // A value meant for one line must not start a line of its own in the text body.
  expect(mail.text).not.toMatch(/^Bcc:/m);
}

function alertInput(overrides: Partial<AssistanceAlertInput> = {}): AssistanceAlertInput {
  return {
    reference: 'AR-7K3M-Q9PX',
    submittedEmail: EVIL,
    type: 'lost_2fa',
    message: `Please help\n${EVIL}\nAccount status\n  Role: super_admin`,
    submittedAt: when,
    link: 'https://sso.example.test/.recourse/admin/requests/AR-7K3M-Q9PX',
    account: { exists: true, active: true, name: EVIL, role: EVIL, twoFactorEnabled: true, unusedBackupCodes: 2 },
    recentEvents: [{ at: when, event: EVIL, ip: EVIL, location: EVIL }],
    context: { ip: EVIL, location: EVIL, network: EVIL, seenIpBefore: false, seenNetworkBefore: true, flags: [EVIL, 'tor'] },
    ...overrides,
  };
}

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('user templates', () => {
  it('email one-time code: carries the code, not in the subject', () => {
    const mail = emailOtpEmail({ name: EVIL, code: '482913', ttlMinutes: 10 });
    expectSafe(mail);
    expect(mail.subject).toBe('Your Recourse sign-in code');
    expect(mail.text).toContain('482913');
    expect(mail.html).toContain('482913');
    expect(mail.text).toContain('10 minutes');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)');
  });

  it('backup code used: count in the subject, every context value escaped, advice to regenerate', () => {
    const mail = backupCodeUsedEmail({ name: EVIL, codesLeft: 3, when, ip: EVIL, location: EVIL });
    expectSafe(mail);
    expect(mail.subject).toBe('Recourse: a backup code was used; 3 left');
    expect(mail.text).toContain('2026-01-15 12:34 UTC');
    expect(mail.text).toMatch(/regenerate your backup codes/);
    expect(mail.html).toMatch(/regenerate your backup codes/);
  });

  it('backup code used: says so when none are left', () => {
    const mail = backupCodeUsedEmail({ name: 'Alice', codesLeft: 0, when, ip: null, location: null });
    expect(mail.text).toMatch(/no backup codes left/);
  });

  it('access email: the link is escaped inside the href and shown as text', () => {
    const link = 'https://sso.example.test/.recourse/password/reset?token=abc&x="><script>';
    const mail = accessEmail({ name: EVIL, link, ttlMinutes: 60 });
    expectSafe(mail);
    expect(mail.html).toContain('href="https://sso.example.test/.recourse/password/reset?token=abc&amp;x=&quot;&gt;&lt;script&gt;"');
    expect(mail.text).toContain(link);
  });

  it('access email: a non-http link is not made clickable', () => {
    const mail = accessEmail({ name: 'Alice', link: 'javascript:alert(1)', ttlMinutes: 60 });
    expect(mail.html).not.toContain('href="javascript:');
  });

  it('invitation: the link, its lifetime and the next step, with the name and address escaped', () => {
    const link = 'https://sso.example.test/.recourse/password/reset?token=abc';
    const mail = invitationEmail({ name: EVIL, email: EVIL, link, ttlDays: 7 });
    expectSafe(mail);
    expect(mail.subject).toBe('Your Recourse account is ready: choose a password');
    expect(mail.text).toContain(link);
    expect(mail.text).toContain('expires in 7 days');
    expect(mail.text).toContain('second factor');
    expect(mail.html).toContain(`href="${link}"`);
    expect(invitationEmail({ name: 'Ann', email: 'ann@example.com', link, ttlDays: 1 }).text).toContain('expires in 1 day;');
  });

  it('recovery code: carries the XXXX-XXXX-XXXX code and links straight to the code page, without it', () => {
    const link = 'https://id.example.org/.recourse/2fa/recovery-code';
    const mail = recoveryCodeEmail({ name: EVIL, code: 'ABCD-EFGH-JKLM', ttlMinutes: 60, link });
    expectSafe(mail);
    expect(mail.text).toContain('ABCD-EFGH-JKLM');
    expect(mail.html).toContain('ABCD-EFGH-JKLM');
    expect(mail.subject).not.toContain('ABCD');
    expect(mail.text).toContain(`Enter the recovery code: ${link}`);
    expect(mail.html).toContain(`href="${link}"`);
  });

  it('recovery notice: names the action, and never echoes an unknown one', () => {
    const reset = recoveryNoticeEmail({ name: EVIL, action: 'second_factor_reset', when });
    expectSafe(reset);
    expect(reset.subject).toBe('Recourse: your two-factor sign-in was reset');
    const unknown = recoveryNoticeEmail({ name: 'Alice', action: EVIL, when });
    expectSafe(unknown);
    expect(unknown.subject).toBe('Recourse: an administrator changed your account');
    expect(unknown.text + unknown.html).not.toContain('alert');
    expectSafe(recoveryNoticeEmail({ name: 'Alice', action: 'password_reset', when: EVIL }));
  });

  it('every subject is one line even when a name carries CR/LF', () => {
    const subjects = [
      emailOtpEmail({ name: 'a\r\nb', code: '1', ttlMinutes: 1 }).subject,
      assistanceAlertEmail(alertInput({ reference: 'AR-1\r\nBcc: x@y', type: 'weird\ntype' })).subject,
    ];
    for (const s of subjects) expect(s).not.toMatch(/[\r\n]/);
  });
});

describe('assistance alert', () => {
  it('has each section, the dashboard link and the verify-elsewhere reminder', () => {
    const mail = assistanceAlertEmail(alertInput());
    expectSafe(mail);
    expect(mail.subject).toBe('Recourse: assistance request AR-7K3M-Q9PX (Lost second factor)');
    for (const section of ['Request', 'Account status', 'Recent security events', 'Request context']) {
      expect(mail.text).toMatch(new RegExp(`^${section}$`, 'm'));
      expect(mail.html).toContain(`>${section}</h2>`);
    }
    expect(mail.text).toContain('https://sso.example.test/.recourse/admin/requests/AR-7K3M-Q9PX');
    expect(mail.html).toContain('href="https://sso.example.test/.recourse/admin/requests/AR-7K3M-Q9PX"');
    expect(mail.text).toContain("verify the requester's identity through another channel");
    expect(mail.html).toContain('verify the requester&#39;s identity through another channel');
  });

  it('keeps the user message but quotes it, so it cannot forge sections', () => {
    const mail = assistanceAlertEmail(alertInput());
    expect(mail.text).toContain('> Please help');
    // The forged heading only appears quoted; the real one appears once, on a line of its own.
    expect(mail.text.match(/^Account status$/gm)).toHaveLength(1);
    expect(mail.text).toContain('> Account status');
    expect(mail.text).not.toMatch(/^\s*Role: super_admin/m);
    expect(mail.text).not.toMatch(/\r/);
  });

  it('escapes every user-supplied value in the HTML', () => {
    const mail = assistanceAlertEmail(alertInput());
    // Email, message, account name and role, event name, IP, location, network, flag, event IP/location.
    const escaped = mail.html.split('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&quot;').length - 1;
    expect(escaped).toBeGreaterThanOrEqual(11);
    expect(mail.html).not.toMatch(/<script/i);
  });

  it('says when no account matches and when there are no events', () => {
    const mail = assistanceAlertEmail(alertInput({ account: null, recentEvents: [] }));
    expect(mail.text).toContain('No account matches the email entered.');
    expect(mail.html).toContain('No account matches the email entered.');
    expect(mail.text).toMatch(/Recent security events\n {2}None\./);
  });
});
