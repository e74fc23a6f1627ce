// The node's HNSW graphs, one per SAI vector index on a regular column, kept in memory beside the base table: built
// from the base rows on first use (so after every start, and after CREATE INDEX) in the background, a page of rows
// per turn of the event loop, while ANN queries are answered by scoring rows instead; kept in step with each base
// write once it is applied (during the build too) — the written rows are read back and their merged vector set or removed, so a write that
// loses to a newer timestamp changes nothing. Deletions the write path cannot see row by row (partition and range
// tombstones, TTL expiry) are found at query time: every hit is re-checked against its base row, and a hit whose row
// no longer holds that vector is dropped from the graph and the search continues.
import type { IndexDef, Schema, TableDef } from '../schema/model.ts';
import type { PartitionData, ReadFilter, ScanRange, Slice } from '../storage/types.ts';
import { liveRows } from '../storage/live.ts';
import type { SimilarityFunction } from '../model/values/similarity.ts';
import { floatVector } from '../model/values/vector.ts';
import type { CqlType } from '../model/types.ts';
import { HnswGraph } from './hnsw.ts';
import type { IndexSpec } from './terms.ts';
import type { EntryReader } from './cursor.ts';
import type { AnnSearch } from './types.ts';

/** Where a vector lives: its base row. */
interface RowRef {
  token: bigint;
  pk: Buffer;
  clustering: Buffer[];
  /** The vector's serialized value, to tell a stale hit from a current one. */
  value: Buffer;
}

/** Cassandra 5.0's defaults (IndexWriterConfig): maximum_node_connections 16, construction_beam_width 100. */
export const DEFAULT_M = 16;
export const DEFAULT_EF_CONSTRUCTION = 100;
/**
 * Candidates a query looks at (k when larger): Sibyl's own, chosen for recall@10 ≥ 0.95 on random vectors
 * (bench/vector-ann.ts): at least 256, 4 per dimension, and one per hundred vectors, up to 1,024. With 256, 20,000
 * vectors of dimension 128 reached 0.87 and 50,000 of dimension 64 0.92; with 512, 0.97.
 */
export function defaultEfSearch(dimension: number, vectors: number): number {
  return Math.min(1024, Math.max(256, 4 * dimension, Math.ceil(vectors / 100)));
}

/**
 * Restricted to one partition, a filtered graph search looks at about ef × (graph size / partition size) nodes (all
 * of them when the partition is smaller than ef), while scoring reads every row of the partition. Measured on one
 * busy node (bench/vector-ann.ts --partitions, 11,100 vectors of dimension 64): a node looked at costs 5–10 µs, a row
 * read and scored by the CQL layer 110–150 µs, so the graph is used while it looks at fewer than 15 nodes per row of
 * the partition (a 1,000-row partition: graph 28 ms against 153 ms scored; a 100-row one: 57 ms against 11 ms).
 */
const NODES_PER_SCORED_ROW = 15;

/** Whether a partition of `count` vectors in a graph of `size` is cheaper to search by graph than to score. */
export function partitionByGraph(size: number, count: number, ef: number): boolean {
  if (count <= 0) return false;
  return Math.min(size, (ef * size) / count) <= NODES_PER_SCORED_ROW * count;
}

const BUILD_PAGE = 256;
const MAX_BUILD_PAGES = 100_000_000;
const MAX_SEARCH_ROUNDS = 6;

type VectorType = Extract<CqlType, { kind: 'vector' }>;

interface VectorGraph {
  def: IndexDef;
  tableId: string;
  graph: HnswGraph<RowRef>;
  /** The build from the base rows has finished: searches may use the graph. */
  ready: boolean;
  /** Live vectors per partition (partitionOf), to choose between a filtered search and scoring. */
  perPartition: Map<string, number>;
}

const partitionOf = (token: bigint, pk: Buffer): string => `${token}:${pk.toString('latin1')}`;

function bump(g: VectorGraph, token: bigint, pk: Buffer, by: number): void {
  const key = partitionOf(token, pk);
  const n = (g.perPartition.get(key) ?? 0) + by;
  if (n > 0) g.perPartition.set(key, n);
  else g.perPartition.delete(key);
}

/** Sets a row's vector, keeping the partition counts (a vector the graph cannot score is not indexed). */
function put(g: VectorGraph, key: string, vector: ArrayLike<number>, ref: RowRef): void {
  const had = g.graph.has(key);
  g.graph.set(key, vector, ref);
  const has = g.graph.has(key);
  if (had !== has) bump(g, ref.token, ref.pk, has ? 1 : -1);
}

function remove(g: VectorGraph, key: string, token: bigint, pk: Buffer): void {
  if (!g.graph.has(key)) return;
  g.graph.delete(key);
  bump(g, token, pk, -1);
}

/** Whether an index is one this registry keeps a graph for. */
export function isGraphIndexed(spec: IndexSpec): boolean {
  return spec.column.type.kind === 'vector' && spec.column.kind === 'regular' && spec.target.kind === 'simple';
}

/** A row reference with its own copies of the bytes: a read's buffers may be views of a much larger page or arena. */
function ownRef(token: bigint, pk: Buffer, clustering: Buffer[], value: Buffer): RowRef {
  return { token, pk: Buffer.from(pk), clustering: clustering.map((c) => Buffer.from(c)), value: Buffer.from(value) };
}

function rowKey(token: bigint, pk: Buffer, clustering: Buffer[]): string {
  let k = `${token}:${pk.length}:${pk.toString('latin1')}`;
  for (const c of clustering) k += `:${c.length}:${c.toString('latin1')}`;
  return k;
}

function intOption(def: IndexDef, name: string, fallback: number): number {
  const v = def.options[name];
  const n = v === undefined ? NaN : Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function pointFilter(table: TableDef, clustering: Buffer[]): ReadFilter {
  if (table.clustering.length === 0) return {};
  const point: Slice = { start: { prefix: clustering, inclusive: true }, end: { prefix: clustering, inclusive: true } };
  return { slices: [point] };
}

/** Whether the ranges, in ring order, cover the whole ring (one node's share of a single-replica ring, RF = N). */
function coversRing(ranges: readonly ScanRange[]): boolean {
  if (ranges.length === 0 || ranges[0]!.start !== undefined || ranges[ranges.length - 1]!.endToken !== undefined) return false;
  for (let i = 1; i < ranges.length; i++) {
    const s = ranges[i]!.start;
    if (!s || s.key !== undefined || s.inclusive || s.token !== ranges[i - 1]!.endToken) return false;
  }
  return true;
}

/** Whether a token falls in one of the ranges (token bounds; ANN ranges are whole ring segments). */
function inRanges(token: bigint, ranges: readonly ScanRange[]): boolean {
  return ranges.some((r) => {
    const s = r.start;
    if (s && (token < s.token || (token === s.token && !s.inclusive))) return false;
    return r.endToken === undefined || token <= r.endToken;
  });
}

const sameClustering = (a: Buffer[], b: Buffer[]): boolean => a.length === b.length && a.every((x, i) => x.equals(b[i]!));

/** The live vector of one row of a partition read, or undefined when it has none. */
function liveValue(spec: IndexSpec, p: PartitionData, clustering: Buffer[], nowSec: number): Buffer | undefined {
  const row = liveRows(spec.base, p, nowSec).rows.find((r) => sameClustering(r.clustering, clustering));
  const v = row?.cells[spec.column.name]?.value;
  return v && v.length > 0 ? v : undefined;
}

export class VectorIndexes {
  private readonly graphs = new Map<string, VectorGraph>();

  constructor(
    private readonly reader: EntryReader,
    private readonly random: () => number,
    private readonly nowSec: () => number,
    /** Resolves on a later turn of the event loop, so that a build lets requests through between its pages. */
    private readonly yieldTurn: () => Promise<void>,
    private readonly log: (msg: string, err?: unknown) => void = () => {},
    private readonly efSearch?: number,
  ) {}

  private newGraph(spec: IndexSpec): VectorGraph {
    const def = spec.def;
    const similarity = (def.options.similarity_function?.toUpperCase() ?? 'COSINE') as SimilarityFunction;
    const graph = new HnswGraph<RowRef>({
      m: intOption(def, 'maximum_node_connections', DEFAULT_M),
      efConstruction: intOption(def, 'construction_beam_width', DEFAULT_EF_CONSTRUCTION),
      similarity, random: this.random,
    });
    return { def, tableId: spec.base.id, graph, ready: false, perPartition: new Map() };
  }

  /** The graph of an index once built; the first call starts its build from the base table and answers undefined. */
  graphOf(spec: IndexSpec): HnswGraph<RowRef> | undefined {
    return this.readyGraph(spec)?.graph;
  }

  private readyGraph(spec: IndexSpec): VectorGraph | undefined {
    const known = this.graphs.get(spec.def.id);
    if (known) return known.ready ? known : undefined;
    const g = this.newGraph(spec);
    this.graphs.set(spec.def.id, g);
    this.build(spec, g).catch((err: unknown) => {
      // Dropped, so that the next query starts again; meanwhile queries score rows.
      if (this.graphs.get(spec.def.id) === g) this.graphs.delete(spec.def.id);
      this.log(`could not build the vector graph of index ${spec.def.name}`, err);
    });
    return undefined;
  }

  /** Whether the graph of an index is built (tests and the bench wait for it). */
  isReady(indexId: string): boolean {
    return this.graphs.get(indexId)?.ready === true;
  }

  /**
   * Reads the base table a page at a time, yielding between pages. Writes applied meanwhile reach the graph through
   * afterWrite, so a row the scan has passed is kept current, and one it has not reached is read as it is then.
   */
  private async build(spec: IndexSpec, g: VectorGraph): Promise<void> {
    let start: ScanRange['start'];
    for (let page = 0; page < MAX_BUILD_PAGES; page++) {
      if (this.graphs.get(spec.def.id) !== g) return; // dropped or truncated meanwhile
      const nowSec = this.nowSec();
      const parts = this.reader.scan(spec.base, start ? { start } : {}, {}, BUILD_PAGE, nowSec);
      for (const p of parts) this.indexPartition(spec, g, p, nowSec);
      if (parts.length < BUILD_PAGE) break;
      const last = parts[parts.length - 1]!;
      start = { token: last.token, key: last.key, inclusive: false };
      await this.yieldTurn();
    }
    g.ready = true;
  }

  private indexPartition(spec: IndexSpec, g: VectorGraph, p: PartitionData, nowSec: number): void {
    const t = spec.column.type as VectorType;
    for (const row of liveRows(spec.base, p, nowSec).rows) {
      const value = row.cells[spec.column.name]?.value;
      if (!value || value.length === 0) continue;
      put(g, rowKey(p.token, p.key, row.clustering), floatVector(t, value), ownRef(p.token, p.key, row.clustering, value));
    }
  }

  /** The row's current vector, read back from the base table, or undefined when it has none. */
  private currentValue(spec: IndexSpec, token: bigint, pk: Buffer, clustering: Buffer[], nowSec: number): Buffer | undefined {
    const p = this.reader.read(spec.base, pk, token, pointFilter(spec.base, clustering), nowSec);
    return p ? liveValue(spec, p, clustering, nowSec) : undefined;
  }

  private refresh(spec: IndexSpec, g: VectorGraph, token: bigint, pk: Buffer, clustering: Buffer[], nowSec: number): void {
    const key = rowKey(token, pk, clustering);
    const value = this.currentValue(spec, token, pk, clustering, nowSec);
    if (value === undefined) return remove(g, key, token, pk);
    if (g.graph.payloadOf(key)?.value.equals(value)) return;
    put(g, key, floatVector(spec.column.type as VectorType, value), ownRef(token, pk, clustering, value));
  }

  /** After a base write was applied: the graphs of its table's vector indexes take the rows it touched. */
  afterWrite(specs: IndexSpec[], update: PartitionData): void {
    const nowSec = this.nowSec();
    for (const spec of specs) {
      const g = this.graphs.get(spec.def.id);
      if (!g || !isGraphIndexed(spec)) continue;
      for (const row of update.rows) this.refresh(spec, g, update.token, update.key, row.clustering, nowSec);
    }
  }

  /** Whether any graph is built (else writes have nothing to keep in step). */
  get active(): boolean {
    return this.graphs.size > 0;
  }

  /** The table was truncated: its graphs are empty. */
  truncated(table: TableDef): void {
    for (const g of this.graphs.values()) {
      if (g.tableId !== table.id) continue;
      g.graph.clear();
      g.perPartition.clear();
    }
  }

  /** Forgets the graphs of indexes the schema no longer has. */
  retain(schema: Schema): void {
    const ids = new Set<string>();
    for (const ks of schema.keyspaces.values()) for (const t of ks.tables.values()) for (const i of t.indexes ?? []) ids.add(i.id);
    for (const id of [...this.graphs.keys()]) if (!ids.has(id)) this.graphs.delete(id);
  }

  /**
   * This replica's `k` rows of `ranges` (or of `partition`) whose vectors are closest to the target, each as a
   * partition holding that row (and its static row), closest first. Undefined when the caller should score rows
   * instead: while the graph is being built, or, for one partition, when scoring it is cheaper (partitionByGraph) or
   * the filtered search found fewer rows than the partition can give. Hits found stale are dropped and the search
   * asks for more.
   */
  search(spec: IndexSpec, q: AnnSearch, nowSec: number): PartitionData[] | undefined {
    const g = this.readyGraph(spec);
    if (!g) return undefined;
    const graph = g.graph;
    let accept: ((r: RowRef) => boolean) | undefined;
    let ef = this.efSearch ?? defaultEfSearch(q.target.length, graph.size);
    let expect = q.k;
    const part = q.partition;
    if (part) {
      const count = g.perPartition.get(partitionOf(part.token, part.key)) ?? 0;
      ef = this.efSearch ?? defaultEfSearch(q.target.length, count);
      if (!partitionByGraph(graph.size, count, ef)) return undefined;
      expect = Math.min(q.k, count);
      accept = (r) => r.token === part.token && r.pk.equals(part.key);
    } else if (!coversRing(q.ranges)) {
      // Searching with no filter when the ranges are the whole ring spares a range test per node visited.
      accept = (r) => inRanges(r.token, q.ranges);
    }
    const out = this.searchRounds(spec, g, q, ef, accept, nowSec);
    // Fewer than the partition holds: stale entries, or a search the filter starved; scoring is exact.
    return part && out.length < expect ? undefined : out;
  }

  private searchRounds(spec: IndexSpec, g: VectorGraph, q: AnnSearch, ef: number, accept: ((r: RowRef) => boolean) | undefined,
    nowSec: number): PartitionData[] {
    let want = q.k;
    let out: PartitionData[] = [];
    for (let round = 0; round < MAX_SEARCH_ROUNDS; round++) {
      const hits = g.graph.search(q.target, want, Math.max(ef, want), accept);
      out = [];
      let stale = 0;
      for (const h of hits) {
        if (out.length >= q.k) break;
        const p = this.reader.read(spec.base, h.payload.pk, h.payload.token, pointFilter(spec.base, h.payload.clustering), nowSec);
        const row = p?.rows.find((r) => sameClustering(r.clustering, h.payload.clustering));
        if (p && row && liveValue(spec, p, h.payload.clustering, nowSec)?.equals(h.payload.value)) out.push({ ...p, rows: [row] });
        else {
          stale++;
          this.refresh(spec, g, h.payload.token, h.payload.pk, h.payload.clustering, nowSec);
        }
      }
      if (out.length >= q.k || stale === 0 || hits.length < want) break;
      want *= 2;
    }
    return out;
  }
}
