import { describe, expect, it } from 'vitest';
import { openMessageBody, outboxBodyKey, sealMessageBody } from '../../../gateway/delivery/sealed-body.js';

const key = outboxBodyKey('a'.repeat(48));
const body = { text: 'Your code is 482913', html: '<p>Your code is <b>482913</b></p>' };

describe('sealed outbox bodies', () => {
  it('opens what it sealed, for the same message id', () => {
    const sealed = sealMessageBody(key, 'm-1', body);
    expect(openMessageBody(key, 'm-1', sealed)).toEqual(body);
  });

  it('does not show the secret it carries', () => {
    const sealed = sealMessageBody(key, 'm-1', body);
    expect(sealed).not.toContain('482913');
    expect(Buffer.from(sealed.split('.')[3]!, 'base64url').toString('latin1')).not.toContain('482913');
  });

  it('does not open on another row, under another secret, or when tampered with', () => {
    const sealed = sealMessageBody(key, 'm-1', body);
    expect(openMessageBody(key, 'm-2', sealed)).toBeUndefined();
    expect(openMessageBody(outboxBodyKey('b'.repeat(48)), 'm-1', sealed)).toBeUndefined();
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3]!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(openMessageBody(key, 'm-1', [...parts.slice(0, 3), flipped.toString('base64url')].join('.'))).toBeUndefined();
    expect(openMessageBody(key, 'm-1', 'Your code is 482913')).toBeUndefined();
  });

  it('keeps SMS bodies (no HTML) and unicode intact', () => {
    const sms = { text: 'Code: 123 — ünïcødé ✓', html: '' };
    expect(openMessageBody(key, 'm-3', sealMessageBody(key, 'm-3', sms))).toEqual(sms);
  });
});
