import { generate, generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 TOTP (30 s, 6 digits, SHA-1: what every authenticator app speaks). */
export const newTotpSecret = (): string => generateSecret();

export const totpUri = (secret: string, email: string): string => generateURI({ issuer: 'Renkei', label: email, secret });

/** The time step a code is valid for, or undefined. Accepts one step of clock drift either side; refuses steps already used. */
export async function checkTotp(secret: string, code: string, now: Date, lastStep: number | null): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(now.getTime() / 1000),
    epochTolerance: 30,
    ...(lastStep !== null ? { afterTimeStep: lastStep } : {}),
  });
  return result.valid && 'timeStep' in result ? (result as { timeStep: number }).timeStep : undefined;
}

/** For tests and for the CLI's enrolment check. */
export const totpCode = (secret: string, at: Date): Promise<string> => generate({ secret, epoch: Math.floor(at.getTime() / 1000) });
