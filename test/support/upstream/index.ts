export { startUpstream, type Upstream } from './upstream-server.ts';
export { RequestLog } from './request-log.ts';
export { checksumFile, sha256Hex, tar, tarGz, toBytes, zip, type ArchiveEntry } from './archives.ts';
export type {
  RecordedRequest,
  UpstreamAsset,
  UpstreamFault,
  UpstreamFile,
  UpstreamOptions,
  UpstreamRelease,
} from './model.ts';
