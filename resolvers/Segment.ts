/** Segment fields mapped from the stored document (defined with the other segment resolvers). */
export { segmentFields as Segment } from './segments';
