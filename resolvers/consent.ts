/** consent operations (filled in by its issue). */
export const consentMutations = {};
