// Where a memtable keeps its bytes: copied into large chunks it owns, never as views of the buffers they came from.
// A write's values arrive as slices of the socket's read buffers (or of a replayed segment file); keeping those
// slices would pin whole 64 KiB reads per row, and copying each value into its own small Buffer would put it in
// Node's shared 8 KiB pool, pinning whatever else lives there. Chunks grow from 16 KiB to 1 MiB, and go with the
// memtable when it is flushed (Cassandra's memtable slab allocator does the same for the JVM heap).

const FIRST_CHUNK = 16 * 1024;
const MAX_CHUNK = 1024 * 1024;

export class Arena {
  private chunk: Buffer = Buffer.alloc(0);
  private pos = 0;
  private nextChunk = FIRST_CHUNK;
  /** Bytes of every chunk taken (what the memtable costs in memory, holes left by overwrites included). */
  allocatedBytes = 0;

  /** The chunk the last place() wrote into. */
  placedIn: Buffer = this.chunk;

  copy(src: Uint8Array): Buffer {
    const start = this.place(src, 0, src.length);
    return this.placedIn.subarray(start, start + src.length);
  }

  /**
   * copy() of src[from, to) without the Buffer view: copies into `placedIn` and returns where the bytes start. A memtable row kept
   * as (chunk, start, end) costs no view object per row (one object fewer to allocate and for GC to copy).
   */
  place(src: Uint8Array, from: number, to: number): number {
    const n = to - from;
    if (n > this.nextChunk >>> 2) {
      // Large values get their own allocation rather than wasting the rest of a chunk.
      const own = Buffer.allocUnsafeSlow(n);
      own.set(src.subarray(from, to));
      this.allocatedBytes += n;
      this.placedIn = own;
      return 0;
    }
    if (this.pos + n > this.chunk.length) {
      this.chunk = Buffer.allocUnsafeSlow(this.nextChunk);
      this.allocatedBytes += this.chunk.length;
      this.pos = 0;
      this.nextChunk = Math.min(MAX_CHUNK, this.nextChunk * 2);
    }
    const start = this.pos;
    if (from === 0 && to === src.length) this.chunk.set(src, start);
    else this.chunk.set(src.subarray(from, to), start);
    this.pos += n;
    this.placedIn = this.chunk;
    return start;
  }
}
