/** Phone numbers as SMS needs them: ITU-T E.164, a plus and 7 to 15 digits, the first not zero. */
const E164 = /^\+[1-9]\d{6,14}$/;

export function isE164(phone: string): boolean {
  return E164.test(phone);
}

export const E164_EXAMPLE = '+4915112345678';
