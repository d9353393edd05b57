// Placeholder components for the WebAuthn pieces of the enrol, challenge and account pages; the
// WebAuthn work replaces their bodies (same names and props).
export interface WebauthnSectionProps {
  prefix: string;
  csrfToken: string;
}

export function WebauthnEnrollSection(_props: WebauthnSectionProps) {
  return null;
}

export function WebauthnChallengeButton(_props: WebauthnSectionProps) {
  return null;
}

export function WebauthnKeyList(_props: WebauthnSectionProps & { keys: Array<{ id: string; name: string; createdAt: Date; lastUsedAt: Date | null }> }) {
  return null;
}
