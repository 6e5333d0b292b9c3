/**
 * Verifies bearer tokens, remembering the ones already verified: clients send the same token with
 * every request for its lifetime, and a signature check through WebCrypto costs tens of
 * microseconds and an extra asynchronous hop per request. A remembered token is the exact same
 * string (signature included) that passed every check before; on each use its validity window is
 * checked again against the clock, and once outside it the token goes through full verification
 * again (which then refuses it with the precise reason). Bounded: the least recently used tokens
 * are forgotten first. What a remembered token's claims say is frozen: no request can change them
 * for the next one.
 */
import { LRUCache } from 'lru-cache';
import { verifyTokenWindow, type TokenClaims, type TokenKey, type VerifiedToken } from './tokens';

/** Distinct tokens remembered (a few hundred bytes each). */
const REMEMBERED_TOKENS = 10_000;

const nowSeconds = () => Math.floor(Date.now() / 1000);

function frozen(verified: VerifiedToken): VerifiedToken {
  Object.freeze(verified.claims.purposes);
  Object.freeze(verified.claims.scopes);
  Object.freeze(verified.claims);
  return Object.freeze(verified);
}

export class TokenVerifier {
  private readonly verified = new LRUCache<string, VerifiedToken>({ max: REMEMBERED_TOKENS });

  constructor(private readonly key: TokenKey, private readonly clock: () => number = nowSeconds) {}

  async verify(token: string): Promise<TokenClaims> {
    const known = this.verified.get(token);
    if (known !== undefined) {
      const now = this.clock();
      // The checks jose made (exp required, nbf when present), repeated for this moment.
      if (now < known.expiresAt && (known.notBefore === undefined || known.notBefore <= now)) return known.claims;
      this.verified.delete(token);
    }
    const verified = frozen(await verifyTokenWindow(token, this.key));
    this.verified.set(token, verified);
    return verified.claims;
  }
}
