/**
 * The password check behind login regulation (SECURITY L1), shared by sign-in and the password
 * change: charged under what was typed first (by the caller), then the account it names is found
 * and charged under its id too, so that every name of one account (uid, mail, userPrincipalName)
 * shares one budget; only then is the password verified, by argon2 or by a directory bind.
 */
import type { Directory, FirstFactorOutcome } from '../directory/directory.js';
import type { Charged, LoginCharged, LoginFailure, LoginRefusal } from '../ratelimit/limits.js';

export type ChargedCheckOutcome = FirstFactorOutcome | { ok: false; reason: 'locked'; refusal: LoginRefusal };

/** Throws DirectoryUnavailableError (or a hash-queue or storage error) with every charge given back. */
export async function checkPasswordCharged(
  charge: LoginCharged, directory: Pick<Directory, 'findAccount'>, login: string, password: string,
): Promise<ChargedCheckOutcome> {
  const account = await refundOnError(charge, () => directory.findAccount(login));
  if (account.accountId) {
    // Refused (banned, or full after the wait): every charge is given back and nothing is verified.
    const admitted = await charge.alsoAs(account.accountId);
    if (!admitted.ok) return { ok: false, reason: 'locked', refusal: admitted };
  }
  return refundOnError(charge, () => account.verify(password));
}

/**
 * A check that never finished (the hash queue was full, the directory or storage did not answer)
 * judged no password, so its charge is given back: a full queue must never ban an office's address.
 */
export async function refundOnError<T>(charge: Charged<LoginFailure>, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    await charge.refund();
    throw error;
  }
}
