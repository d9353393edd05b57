/**
 * A pragmatic address check: one @, no spaces or control characters, a dotted or single-label
 * domain (admin@localhost is a valid local address). RFC 5321 §4.5.3.1.3: at most 254 characters.
 */
export function isValidEmail(email: string): boolean {
  return email.length <= 254 && /^[^\s@<>(),;:"\\\u0000-\u001f]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(email);
}
