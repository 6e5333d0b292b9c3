/** What a caller who may not see a personal value gets instead (the `Redaction` enum of `@pii`). */
export const REDACTIONS = ['NULL', 'MASK', 'PSEUDONYMIZE', 'GENERALIZE'] as const;
export type Redaction = (typeof REDACTIONS)[number];
