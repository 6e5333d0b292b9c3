/**
 * Measures the re-identification risk of redacted output on the demo data set:
 *   npx tsx src/privacy/reidentificationCli.ts [--customers 10000] [--k 10]
 * prints, per combination of still-visible attributes, the share of subjects singled out (alone in
 * their combination) and the share in combinations of fewer than k subjects.
 */
import { parseArgs } from 'node:util';
import { generateDemoData } from '../store/seed';
import { measureRisk, type QuasiIdentifier } from './reidentificationRisk';

export const COMBINATIONS: readonly { label: string; columns: readonly QuasiIdentifier[] }[] = [
  { label: 'masked name + birth year + postal prefix', columns: ['maskedName', 'birthYear', 'postalPrefix'] },
  { label: 'masked name + birth year', columns: ['maskedName', 'birthYear'] },
  { label: 'birth year + postal prefix (name NULL)', columns: ['birthYear', 'postalPrefix'] },
  { label: 'masked email + masked phone', columns: ['maskedEmail', 'maskedPhone'] },
  {
    label: "a marketer's view of a non-consenting subject (masks + generalizations)",
    columns: ['maskedName', 'maskedEmail', 'maskedPhone', 'birthYear', 'postalPrefix', 'lifetimeValueBand', 'purchaseMonth'],
  },
  { label: 'birth year + country + lifetime band + purchase month (identifiers NULL)', columns: ['birthYear', 'country', 'lifetimeValueBand', 'purchaseMonth'] },
];

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} % (${part})`;

function main(): void {
  const { values } = parseArgs({ options: { customers: { type: 'string', default: '10000' }, k: { type: 'string', default: '10' } } });
  const count = Number(values.customers);
  const k = Number(values.k);
  const { customers } = generateDemoData(count);
  console.log(`Demo data: ${customers.length} subjects (fixed seed), k = ${k}\n`);
  console.log('| still visible | singled out | in a group < k |');
  console.log('| --- | ---: | ---: |');
  for (const { label, columns } of COMBINATIONS) {
    const risk = measureRisk(customers, columns, k);
    console.log(`| ${label} | ${percent(risk.unique, risk.subjects)} | ${percent(risk.belowK, risk.subjects)} |`);
  }
}

main();
