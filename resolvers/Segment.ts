/** Segment fields mapped from the stored document. */
export const Segment = {
  id: (segment: { _id: string }) => segment._id,
};
