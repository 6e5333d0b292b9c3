/** A schema annotation error: stops start-up with a message naming the coordinate. */
export class SchemaPolicyError extends Error {
  override name = 'SchemaPolicyError';
  constructor(readonly coordinate: string, problem: string) {
    super(`Schema policy error at ${coordinate}: ${problem}`);
  }
}
