/** segments operations (filled in by its issue). */
export const segmentMutations = {};
export const segmentQueries = {};
