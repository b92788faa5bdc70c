/** What a file is, or undefined when it does not exist. */
export interface FileStat {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly size: number;
  /** Permission bits (`0o600`). */
  readonly mode: number;
}

/** The file operations discovery needs: token files, local registries, OSV imports, mirrors. */
export interface FileSystemPort {
  stat(path: string): Promise<FileStat | undefined>;
  readFile(path: string): Promise<Uint8Array>;
  readStream(path: string): AsyncIterable<Uint8Array>;
  /** Names in a directory, sorted. */
  readdir(path: string): Promise<string[]>;
  mkdirp(path: string): Promise<void>;
  /** Writes to a temporary sibling, flushes, then renames over `path`: readers never see half a file. */
  writeFileAtomic(path: string, chunks: AsyncIterable<Uint8Array> | Uint8Array | string): Promise<void>;
  remove(path: string): Promise<void>;
}
