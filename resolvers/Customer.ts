/** Customer fields that are not plain properties of the stored document. Data access only. */
import type { CustomerDocument } from '../src/store/documents';

export const Customer = {
  id: (customer: CustomerDocument) => customer._id,
  consents: (customer: CustomerDocument) =>
    Object.entries(customer.consents ?? {}).map(([purpose, record]) => ({ purpose, ...record })),
};
