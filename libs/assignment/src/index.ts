export {
  ASSIGNMENT_KINDS,
  type ArtifactRef,
  type AssignmentKind,
  type AssignmentPayload,
} from './assignment-payload.ts';
export {
  keyIdOf,
  signAssignment,
  verifyAssignment,
  type AssignmentRefusal,
  type SignedAssignment,
  type VerifyInput,
  type VerifyResult,
} from './assignment-signature.ts';
export { canonicalJson, type JsonValue } from './canonical-json.ts';
