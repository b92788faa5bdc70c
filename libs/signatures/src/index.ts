export {
  verifyDetachedSignature,
  type DetachedSignatureSource,
  type SignatureCheck,
  type SignatureOutcome,
} from './detached-signature.ts';
export { pinnedKeyPath } from './pinned-key.ts';
