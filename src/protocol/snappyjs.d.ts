// snappyjs ships no types: the two functions Sibyl uses, as its README documents them.
declare module 'snappyjs' {
  export function compress(input: Uint8Array): Uint8Array;
  /** Throws when the stream is invalid or would inflate beyond maxLength. */
  export function uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}
