/** Shared helpers of the consent and subject-rights HTTP suites: picking subjects and reading the store directly. */
import type { TestGateway } from '../helpers/gateway';
import type { Filter } from '../../src/store/port';
import type { ConsentEventDocument, CustomerDocument } from '../../src/store/documents';

export function customers(gw: TestGateway) {
  return gw.store.collection<CustomerDocument>('customers');
}

export function consentEvents(gw: TestGateway) {
  return gw.store.collection<ConsentEventDocument>('consentEvents');
}

/** Distinct active subjects matching `filter`, never handed out twice by the same picker (tests must not share subjects). */
export function subjectPicker(gw: TestGateway) {
  const used = new Set<string>();
  return async (filter: Filter = {}): Promise<CustomerDocument> => {
    const found = await customers(gw).find({ ...filter, erasedAt: { $exists: false } }, { sort: { _id: 1 } });
    const subject = found.find((customer) => !used.has(customer._id));
    if (subject === undefined) throw new Error(`no unused subject matches ${JSON.stringify(filter)}`);
    used.add(subject._id);
    return subject;
  };
}

/** Everything stored about one subject, to prove a refused request wrote nothing. */
export async function storedState(gw: TestGateway, id: string) {
  return {
    customer: await customers(gw).findOne({ _id: id }),
    events: await consentEvents(gw).find({ subjectId: id }, { sort: { _id: 1 } }),
  };
}

export async function customerToken(gw: TestGateway, id: string): Promise<string> {
  return gw.token({ role: 'customer', purposes: [], sub: id });
}

export function errorCode(body: { errors?: { extensions?: { code?: string } }[] }): string | undefined {
  return body.errors?.[0]?.extensions?.code;
}
