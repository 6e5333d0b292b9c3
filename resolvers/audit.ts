/** audit operations (filled in by its issue). */
export const auditQueries = {};
