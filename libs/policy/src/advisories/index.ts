export {
  OSV_EVENT_KINDS,
  osvSeverityLabel,
  readOsvRecord,
  type OsvAffected,
  type OsvEvent,
  type OsvEventKind,
  type OsvPackage,
  type OsvRange,
  type OsvRecord,
  type OsvReference,
  type OsvSeverity,
} from './osv-record.ts';
export {
  evaluateAdvisory,
  isAffected,
  type OsvEvaluateOptions,
  type OsvEvaluation,
  type OsvMatch,
  type OsvPackageRef,
} from './osv-evaluator.ts';
