// The options and counters of MessagingService (messaging.ts), apart so the service's file holds only its behaviour.
import type { DropReason } from './outbound.ts';
import type { InboundRefusals } from './inbound-guard.ts';
import type { InternodeTlsOptions } from './internode-tls.ts';
import type { Clock, Random, Timers } from '../cluster/env.ts';

export type Handler = (payload: unknown, from: string) => unknown | Promise<unknown>;

export interface MessagingOptions {
  address: string;
  port: number;
  clock?: Clock;
  timers?: Timers;
  random?: Random;
  logger?: (msg: string, err?: unknown) => void;
  /** Initial fault model (JSON, as the launcher writes it). */
  network?: unknown;
  /** Per-peer messages held while connecting. Default 1024. */
  maxQueued?: number;
  /** Unsent bytes a peer's socket may hold before messages to it are dropped. Default 64 MiB. */
  maxBufferedBytes?: number;
  maxFrameBytes?: number;
  connectTimeoutMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /**
   * Whether an endpoint is a gossip member or a seed. A connection whose hello names anything else is on probation
   * (inbound-guard.ts): only the verbs of `probationVerbs` are dispatched. Without it every peer is trusted (tests).
   */
  isKnownPeer?: (endpoint: string) => boolean;
  /** Verbs a peer on probation may send (the gossip verb, so that a new node can join). */
  probationVerbs?: readonly string[];
  /** Inbound connections held at once; more are closed at accept. Default 512. */
  maxInboundConnections?: number;
  /** An inbound connection without a hello (and TLS handshake) by then is closed. Default 10 s. */
  handshakeTimeoutMs?: number;
  /** server_encryption_options (internode-tls.ts); absent: plaintext only. */
  tls?: InternodeTlsOptions;
}

export interface MessagingStats {
  sent: number;
  received: number;
  /** Lost to the network model on send (loss probability). */
  droppedByModel: number;
  /** Cut by a partition, on send or on receive. */
  droppedPartitioned: number;
  /** Lost by the transport, by reason. */
  droppedByLink: Record<DropReason, number>;
  timeouts: number;
  /** Socket writes: each carries every frame written to its link in one event-loop turn (sent / socketWrites). */
  socketWrites: number;
  /** Inbound connections refused or closed by the guard (inbound-guard.ts), by reason. */
  refusedInbound: InboundRefusals;
}

