/**
 * Segments: creation, member listing and k-anonymous reports. Data access only: who may call what,
 * and that the request's purpose is the segment's, is decided by the gate (src/policy/operations.ts);
 * the definition compiler and the report protection live in src/privacy/.
 */
import { randomBytes } from 'node:crypto';
import { BadUserInputError, invariant } from '../src/errors/errors';
import type { GatewayContext } from '../src/admission/context';
import { isPurpose, type Purpose } from '../src/policy/purposes';
import {
  attributesNotAllowedFor, compileSegmentFilter, definitionCoordinates, SEGMENT_PURPOSES, validateSegmentDefinition, type SegmentDefinition,
} from '../src/privacy/segmentFilter';
import {
  computeSegmentReport, DIMENSION_COORDINATES, MAX_REPORT_DIMENSIONS, type ReportDimension,
} from '../src/privacy/segmentReport';
import type { Document } from '../src/store/port';

const MAX_NAME_LENGTH = 100;
const MAX_DESCRIPTION_LENGTH = 500;

interface CreateSegmentInput {
  name: string;
  description?: string | null;
  purpose: string;
  definition: unknown;
}

/** A stored segment's definition and purpose, re-validated: a corrupted segment fails closed (internal error). */
function storedSegment(segment: Document): { definition: SegmentDefinition; purpose: Purpose } {
  invariant(isPurpose(segment.purpose), `segment ${segment._id} has no valid purpose`);
  try {
    return { definition: validateSegmentDefinition(segment.definition), purpose: segment.purpose };
  } catch {
    throw new Error(`Invariant violation: segment ${segment._id} has an invalid stored definition`);
  }
}

function validateGroupBy(groupBy: readonly ReportDimension[]): void {
  if (groupBy.length > MAX_REPORT_DIMENSIONS) throw new BadUserInputError(`groupBy takes at most ${MAX_REPORT_DIMENSIONS} dimensions`);
  if (new Set(groupBy).size !== groupBy.length) throw new BadUserInputError('groupBy lists a dimension twice');
}

export const segmentQueries = {
  segmentReport: async (_: unknown, args: { segmentId: string; groupBy: ReportDimension[] }, context: GatewayContext) => {
    validateGroupBy(args.groupBy);
    if (args.segmentId.length > 200) throw new BadUserInputError('segmentId is too long');
    const segment = await context.loaders.segment.load(args.segmentId);
    if (segment === null) throw new BadUserInputError('no segment with this id');
    const purpose = context.purpose;
    invariant(purpose !== null, 'the gate requires a purpose for segmentReport');
    const { definition } = storedSegment(segment);
    const dimensionCoordinates = args.groupBy.map((dimension) => DIMENSION_COORDINATES[dimension]);
    const { kAnonymity: k, reportEpsilon: epsilon, pseudonymKey } = context.services.config;
    const now = new Date();
    // The reader limits the aggregate to the request's purpose: attributes, dimensions and consent.
    const report = await context.records.aggregate({
      where: compileSegmentFilter(definition, now),
      reads: definitionCoordinates(definition),
      dimensions: args.groupBy.map((dimension) => ({ label: dimension, coordinate: DIMENSION_COORDINATES[dimension] })),
      operation: 'Query.segmentReport',
    }, (aggregate) => computeSegmentReport(aggregate, {
      match: {}, groupBy: args.groupBy, k, epsilon, now, noiseKey: pseudonymKey, noiseContext: `${segment._id}|${purpose}`,
    }));
    context.audit.record({
      operation: 'Query.segmentReport',
      subjectIds: [],
      fields: [...new Set([...dimensionCoordinates, ...definitionCoordinates(definition), 'Customer.lifetimeValue'])].sort(),
      decision: 'ALLOW',
      detail: {
        segmentId: segment._id, groupBy: args.groupBy, k, noise: epsilon !== undefined,
        groups: report.groups.length, suppressedGroups: report.groups.filter((group) => group.suppressed).length,
      },
    });
    return { segmentId: segment._id, k, ...report };
  },
};

export const segmentMutations = {
  createSegment: async (_: unknown, args: { input: CreateSegmentInput }, context: GatewayContext) => {
    const { input } = args;
    const name = input.name.trim();
    if (name.length === 0 || name.length > MAX_NAME_LENGTH) throw new BadUserInputError(`name must be 1 to ${MAX_NAME_LENGTH} characters`);
    const description = input.description?.trim() || null;
    if (description !== null && description.length > MAX_DESCRIPTION_LENGTH) throw new BadUserInputError(`description must be at most ${MAX_DESCRIPTION_LENGTH} characters`);
    const purpose = input.purpose;
    if (!isPurpose(purpose) || !SEGMENT_PURPOSES.includes(purpose)) throw new BadUserInputError(`purpose must be one of ${SEGMENT_PURPOSES.join(', ')}`);
    const definition = validateSegmentDefinition(input.definition);
    const denied = attributesNotAllowedFor(context.services.policy, definition, purpose);
    if (denied.length > 0) throw new BadUserInputError(`definition.${denied.join(', definition.')} may not be used to select subjects for ${purpose}`);
    const segment: Document = {
      _id: `seg_${randomBytes(8).toString('hex')}`,
      name, description, purpose, definition,
      createdAt: new Date().toISOString(),
      createdBy: context.caller?.sub ?? null,
    };
    await context.services.store.collection('segments').insertOne(segment);
    context.audit.record({
      operation: 'Mutation.createSegment', subjectIds: [], fields: definitionCoordinates(definition), decision: 'ALLOW',
      detail: { segmentId: segment._id, purpose },
    });
    return segment;
  },
};

/** Segment fields that are not plain properties of the stored document. */
export const segmentFields = {
  id: (segment: Document) => segment._id,

  members: async (segment: Document, args: { first?: number | null; after?: string | null }, context: GatewayContext) => {
    const { definition, purpose } = storedSegment(segment);
    // Selecting is reading: the reader checks the selected attributes are visible to the caller for
    // the request's purpose, keeps the audience to subjects whose consent allows the segment's purpose,
    // and audits the selection.
    return context.records.page({
      where: compileSegmentFilter(definition, new Date()), reads: definitionCoordinates(definition), audienceOf: purpose, operation: 'Segment.members',
    }, args);
  },
};
