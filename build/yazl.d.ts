// yazl ships no types: what the build uses of it.
declare module "yazl" {
  export class ZipFile {
    addFile(realPath: string, metadataPath: string, options?: { mtime?: Date; mode?: number; compress?: boolean }): void;
    readonly outputStream: NodeJS.ReadableStream;
    end(): void;
  }
}
