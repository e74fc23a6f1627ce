// The seam between CQL execution and storage. The executor asks the coordinator to write mutations and to read
// partitions at a consistency level; the coordinator decides which replicas take part. LocalCoordinator is the
// single-replica implementation; the cluster's coordinator implements the same interface over messaging.
import type { KeyspaceDef, TableDef } from '../schema/model.ts';
import type { PartitionData, ReadFilter, ScanRange } from '../storage/types.ts';
import type { WriteType } from '../model/errors.ts';
import type { ConsistencyLevel } from '../model/consistency.ts';
import type { CasRequest, CasResult } from './paxos/proposer.ts';

export type { CasRequest, CasResult };
import type { IndexQuery, IndexScanRange } from '../index/types.ts';

export interface Mutation {
  table: TableDef;
  update: PartitionData;
}

export interface Coordinator {
  write(keyspace: KeyspaceDef, mutations: Mutation[], cl: ConsistencyLevel, writeType: WriteType): Promise<void>;
  read(
    keyspace: KeyspaceDef,
    table: TableDef,
    key: Buffer,
    token: bigint,
    filter: ReadFilter,
    cl: ConsistencyLevel,
    nowSec: number,
  ): Promise<PartitionData | undefined>;
  /**
   * read(), with the answer returned at once when it is at hand (the coordinator's own replica alone gives it, as in
   * every LOCAL_ONE read of a single node), else its promise: a single-partition SELECT then costs no promise.
   */
  readNow?(...args: Parameters<Coordinator['read']>): PartitionData | undefined | Promise<PartitionData | undefined>;
  scan(
    keyspace: KeyspaceDef,
    table: TableDef,
    range: ScanRange,
    filter: ReadFilter,
    partitionLimit: number,
    cl: ConsistencyLevel,
    nowSec: number,
  ): Promise<PartitionData[]>;
  truncate(keyspace: KeyspaceDef, table: TableDef): Promise<void>;
  /** A LOGGED batch: atomic across partitions through the batchlog. */
  writeLogged(groups: Array<{ ks: KeyspaceDef; mutations: Mutation[] }>, cl: ConsistencyLevel): Promise<void>;
  /** A lightweight transaction on one partition: Paxos at `serialCl` (SERIAL/LOCAL_SERIAL), committed at `commitCl`. */
  cas(keyspace: KeyspaceDef, req: CasRequest, serialCl: ConsistencyLevel, commitCl: ConsistencyLevel): Promise<CasResult>;
  /**
   * Up to `partitionLimit` partitions of `range`, in ring order, each reduced to the rows a secondary index query
   * selects (see coordinator/index-scan.ts), and whether the range has nothing after them.
   */
  indexScan(
    keyspace: KeyspaceDef,
    table: TableDef,
    query: IndexQuery,
    range: IndexScanRange,
    filter: ReadFilter,
    partitionLimit: number,
    cl: ConsistencyLevel,
    nowSec: number,
  ): Promise<{ partitions: PartitionData[]; exhausted: boolean }>;
  /** Whether `annScan` answers by vector graphs here (coordinator/ann-scan.ts). */
  readonly annByGraph?: boolean;
  /**
   * Candidate rows of an ANN query over the whole ring (or within `partition`), each as a partition with that row: at
   * least the `k` closest to `target` when the graphs find them (coordinator/ann-scan.ts), or undefined while a
   * replica's graph is still being built (or it finds scoring the partition cheaper). The caller scores and keeps the
   * best k.
   */
  annScan?(
    keyspace: KeyspaceDef,
    table: TableDef,
    query: IndexQuery,
    target: number[],
    k: number,
    filter: ReadFilter,
    cl: ConsistencyLevel,
    nowSec: number,
    partition?: { token: bigint; key: Buffer },
  ): Promise<PartitionData[] | undefined>;
}
