/**
 * A software FIDO2 authenticator for HTTP tests: ES256 keys from node:crypto, `none` attestation,
 * authenticator data built byte by byte (WebAuthn L2 §6.1), so tests can also forge what a real
 * key never would (a foreign origin, a counter that goes back, a replayed answer).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
// Backup eligible and backed up (WebAuthn L3 §6.1): a synced passkey sets both.
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

export interface VirtualCredential {
  id: string;
  privateKey: KeyObject;
  publicKeyCose: Uint8Array;
  rpId: string;
  counter: number;
}

export interface CeremonyOverrides {
  /** The origin reported in clientDataJSON; default `origin` of the authenticator. */
  origin?: string;
  /** The signature counter to report; default: one more than last time. */
  counter?: number;
  /** Clear the user-verified flag. */
  noUserVerification?: boolean;
}

const b64url = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

/** The COSE_Key of an ES256 public key (RFC 9053 §7.1: kty EC2, alg -7, crv P-256). */
function coseKey(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  return isoCBOR.encode(new Map<number, number | Uint8Array>([
    [1, 2], [3, -7], [-1, 1],
    [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
    [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
  ]));
}

export class VirtualAuthenticator {
  readonly credentials: VirtualCredential[] = [];

  /** With `synced`, a synced passkey (backup eligible and backed up); otherwise a key bound to this device. */
  constructor(readonly origin: string, readonly options: { synced?: boolean } = {}) {}

  private get backupFlags(): number {
    return this.options.synced ? FLAG_BE | FLAG_BS : 0;
  }

  /** A new credential, as navigator.credentials.create() would return it for these options. */
  register(options: PublicKeyCredentialCreationOptionsJSON, overrides: CeremonyOverrides & { reuse?: VirtualCredential } = {}): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(this.origin).hostname;
    const credential = overrides.reuse ?? this.createCredential(rpId);
    if (overrides.counter !== undefined) credential.counter = overrides.counter;
    const idBytes = Buffer.from(credential.id, 'base64url');
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(idBytes.length);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([FLAG_UP | FLAG_AT | this.backupFlags | (overrides.noUserVerification ? 0 : FLAG_UV)]),
      uint32(credential.counter),
      Buffer.alloc(16), // AAGUID: none
      idLength,
      idBytes,
      credential.publicKeyCose,
    ]);
    const attStmt = new Map<string, string>();
    const attestationObject = isoCBOR.encode(new Map<string, string | Uint8Array | Map<string, string>>([
      ['fmt', 'none'], ['attStmt', attStmt], ['authData', new Uint8Array(authData)],
    ]));
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, overrides.origin);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ['usb'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'cross-platform',
    };
  }

  /** An assertion, as navigator.credentials.get() would return it; by default with the first allowed credential. */
  authenticate(options: PublicKeyCredentialRequestOptionsJSON, overrides: CeremonyOverrides & { credential?: VirtualCredential } = {}): AuthenticationResponseJSON {
    const allowed = new Set((options.allowCredentials ?? []).map((c) => c.id));
    const credential = overrides.credential ?? this.credentials.find((c) => allowed.has(c.id));
    if (!credential) throw new Error('virtual authenticator: no allowed credential');
    credential.counter = overrides.counter ?? credential.counter + 1;
    const authData = Buffer.concat([
      sha256(options.rpId ?? credential.rpId),
      Buffer.from([FLAG_UP | this.backupFlags | (overrides.noUserVerification ? 0 : FLAG_UV)]),
      uint32(credential.counter),
    ]);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, overrides.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authData), signature: b64url(signature) },
      clientExtensionResults: {},
      authenticatorAttachment: 'cross-platform',
    };
  }

  private createCredential(rpId: string): VirtualCredential {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credential = { id: b64url(randomBytes(32)), privateKey, publicKeyCose: coseKey(publicKey), rpId, counter: 0 };
    this.credentials.push(credential);
    return credential;
  }

  private clientData(type: string, challenge: string, origin?: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin: origin ?? this.origin, crossOrigin: false }));
  }
}
