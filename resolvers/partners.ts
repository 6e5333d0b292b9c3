/** partners operations (filled in by its issue). */
export const partnerMutations = {};
