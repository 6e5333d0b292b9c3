/**
 * The re-identification measurement behind docs/security-model.md: class sizes are counted right, and
 * on the demo data a masked name with the birth year and the postal prefix singles out most subjects.
 */
import { describe, expect, it } from 'vitest';
import { measureRisk } from '../../src/privacy/reidentificationRisk';
import { type CustomerDocument } from '../../src/store/documents';
import { generateDemoData } from '../../src/store/seed';

const person = (id: string, fullName: string, birthDate: string, postalCode: string) =>
  ({ _id: id, fullName, birthDate, postalCode } as unknown as CustomerDocument);

describe('measureRisk', () => {
  it('counts subjects alone in their combination and those in groups below k', () => {
    const people = [
      person('a', 'Jane Doe', '1990-04-17', '10115'), person('b', 'John Dale', '1990-01-02', '10199'),
      person('c', 'Jane Doe', '1991-04-17', '10115'), person('d', 'Max Muster', '1970-01-01', '80331'),
    ];
    // J*** D*** / 1990 / 101 is shared by a and b; c (1991) and d are alone.
    expect(measureRisk(people, ['maskedName', 'birthYear', 'postalPrefix'], 3)).toEqual({ subjects: 4, unique: 2, belowK: 4 });
    expect(measureRisk(people, ['postalPrefix'], 2)).toEqual({ subjects: 4, unique: 1, belowK: 1 });
  });

  it('on the demo data, masked name + birth year + postal prefix singles out most subjects', () => {
    const { customers } = generateDemoData(2000);
    const risk = measureRisk(customers, ['maskedName', 'birthYear', 'postalPrefix'], 10);
    expect(risk.unique / risk.subjects).toBeGreaterThan(0.9);
  });
});
