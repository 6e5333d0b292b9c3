/** subjectRights operations (filled in by its issue). */
export const subjectRightsMutations = {};
