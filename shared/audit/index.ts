/** The audit trail: append-only records of what Governor found, decided, was approved to do, did, and how it went. */
export {
  ACTOR_TYPES,
  AUDIT_KINDS,
  AuditRecordError,
  LIMITS,
  normaliseAuditRecords,
  OUTCOMES,
  parseIsoDateTime,
  TRIGGER_TYPES,
  validateAuditRecord,
} from "./record.ts";
export type { ActorType, AuditKind, AuditRecord, Json, Outcome, TriggerType } from "./record.ts";
export { checkTableName, DEFAULT_AUDIT_TABLE, DETAILS_MAX_BYTES, isTruncatedDetails, TableAuditTrail } from "./trail.ts";
export type { AppendResult, AuditConflict, AuditQuery, AuditTrail, TableAuditTrailOptions, TruncatedDetails } from "./trail.ts";
