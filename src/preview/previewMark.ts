/** What a preview request carries through its context: the officer acting, and whom it previews. */
import type { Caller } from '../policy/types';
import type { PreviewSpec } from './previewHeader';

export interface PreviewMark {
  /** The privacy officer who sent the request (the audit's actor). */
  actor: Caller;
  /** The caller being previewed, as the header named it. */
  as: PreviewSpec;
}

/** The response's `extensions.preview` and the audit's `detail.preview`: names only, no subject id. */
export function previewDescription(mark: PreviewMark): { role: string; purposes: string[]; partner: string | null; scopes: string[] } {
  return { role: mark.as.role, purposes: [...mark.as.purposes], partner: mark.as.partnerId, scopes: [...mark.as.scopes] };
}
