/** Root mutations, gathered from their domain modules. Gated by src/policy/operations.ts, never here. */
import { consentMutations } from './consent';
import { partnerMutations } from './partners';
import { segmentMutations } from './segments';
import { subjectRightsMutations } from './subjectRights';

export const Mutation = {
  ...consentMutations,
  ...subjectRightsMutations,
  ...segmentMutations,
  ...partnerMutations,
};
