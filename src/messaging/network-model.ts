// The fault model of a node's links: added latency, jitter, loss and partitions, decided per message. It is pure
// logic (no sockets, no timers): MessagingService asks decide() on the sending side and isPartitioned() on the
// receiving side. Checking partitions on receive too means a partition configured on only one node still cuts both
// directions, which is what a real network split does.
//
// Rules are plain JSON so the admin API (/network) can replace them at run time and the launcher can inject
// "1 ms between racks, 70 ms between DCs" into every node at start-up. Groups are matched by dc/rack through a
// locator that membership installs later (gossip learns every endpoint's DC and rack), or by address.

import type { Random } from '../cluster/env.ts';

export interface Location {
  dc: string;
  rack: string;
}

/** Where an endpoint ("address:port") lives; undefined while membership does not know it yet. */
export type Locator = (endpoint: string) => Location | undefined;

/**
 * Matches endpoints; every field given must match, an empty selector matches everything. `address` is either a
 * bare IP ("127.0.0.2") or an endpoint ("127.0.0.2:7000").
 */
export interface EndpointSelector {
  dc?: string;
  rack?: string;
  address?: string;
}

export interface LinkRule {
  from?: EndpointSelector;
  to?: EndpointSelector;
  /** Added one-way latency, ms. */
  latencyMs?: number;
  /** Extra one-way delay, uniform in [0, jitterMs). */
  jitterMs?: number;
  /** Probability in [0, 1] that a message on the link is lost. */
  drop?: number;
  partitioned?: boolean;
  /** By default a rule covers both directions (from→to and to→from); oneWay limits it to from→to. */
  oneWay?: boolean;
}

export interface LinkDefaults {
  latencyMs: number;
  jitterMs: number;
  drop: number;
}

/** A two-sided split: nothing crosses between an endpoint matching `a` and one matching `b`. */
export interface PartitionSpec {
  a: EndpointSelector[];
  b: EndpointSelector[];
}

export interface NetworkConfig {
  defaults: LinkDefaults;
  /** Evaluated in order; a later matching rule overrides the fields it sets. */
  rules: LinkRule[];
  partitions: PartitionSpec[];
}

/** The resolved settings of one directed link. */
export interface LinkEffect extends LinkDefaults {
  partitioned: boolean;
}

export type LinkDecision =
  | { deliver: true; delayMs: number }
  | { deliver: false; reason: 'partitioned' | 'dropped' };

/** A group for partition(): endpoints or bare IPs as strings, or selectors (e.g. `{ dc: 'dc2' }`). */
export type EndpointGroup = string | EndpointSelector | ReadonlyArray<string | EndpointSelector>;

const IDEAL: LinkDefaults = { latencyMs: 0, jitterMs: 0, drop: 0 };

export class NetworkModel {
  private config: NetworkConfig = emptyConfig();
  private locate: Locator;

  constructor(config?: unknown, locate?: Locator) {
    this.locate = locate ?? (() => undefined);
    if (config !== undefined) this.configure(config);
  }

  /** Installed by membership once it can map endpoints to DC and rack. */
  setLocator(locate: Locator): void {
    this.locate = locate;
  }

  /**
   * Replaces the whole configuration. Takes unknown because it is fed JSON from the admin API: it is validated and
   * copied, so later edits to the argument do not leak in. Missing parts are ideal/empty.
   */
  configure(config: unknown): void {
    this.config = parseNetworkConfig(config);
  }

  setDefaults(defaults: Partial<LinkDefaults>): void {
    this.configure({ ...this.toJSON(), defaults: { ...this.config.defaults, ...defaults } });
  }

  addRule(rule: LinkRule): void {
    this.configure({ ...this.toJSON(), rules: [...this.config.rules, rule] });
  }

  clearRules(): void {
    this.config.rules = [];
  }

  /** Cuts every link between the two groups, both directions. Adds to earlier partitions. */
  partition(groupA: EndpointGroup, groupB: EndpointGroup): void {
    const spec: PartitionSpec = { a: toSelectors(groupA), b: toSelectors(groupB) };
    this.configure({ ...this.toJSON(), partitions: [...this.config.partitions, spec] });
  }

  /** Removes every partition: the ones from partition() and `partitioned` rules. Latency and loss stay. */
  heal(): void {
    this.config.partitions = [];
    this.config.rules = this.config.rules
      .filter((r) => r.partitioned !== true || r.latencyMs !== undefined || r.jitterMs !== undefined || r.drop !== undefined)
      .map((r) => { const { partitioned: _, ...rest } = r; return rest; });
  }

  /** Back to a perfect network. */
  reset(): void {
    this.config = emptyConfig();
  }

  /** A deep copy, safe to serialize or hand to a client. */
  toJSON(): NetworkConfig {
    return structuredClone(this.config);
  }

  /** True when nothing is configured: MessagingService skips the model entirely on that path. */
  get isIdeal(): boolean {
    const c = this.config;
    return c.rules.length === 0 && c.partitions.length === 0 && c.defaults.latencyMs === 0
      && c.defaults.jitterMs === 0 && c.defaults.drop === 0;
  }

  /** The settings of the directed link from → to. */
  effect(from: string, to: string): LinkEffect {
    const effect: LinkEffect = { ...this.config.defaults, partitioned: false };
    if (this.config.rules.length === 0 && this.config.partitions.length === 0) return effect;
    const fromLoc = this.locate(from);
    const toLoc = this.locate(to);
    for (const rule of this.config.rules) {
      if (!ruleMatches(rule, from, fromLoc, to, toLoc)) continue;
      if (rule.latencyMs !== undefined) effect.latencyMs = rule.latencyMs;
      if (rule.jitterMs !== undefined) effect.jitterMs = rule.jitterMs;
      if (rule.drop !== undefined) effect.drop = rule.drop;
      if (rule.partitioned !== undefined) effect.partitioned = rule.partitioned;
    }
    if (!effect.partitioned) effect.partitioned = this.splitBy(from, fromLoc, to, toLoc);
    return effect;
  }

  /** The receive-side check: is the link from → to cut? */
  isPartitioned(from: string, to: string): boolean {
    if (this.config.rules.length === 0 && this.config.partitions.length === 0) return false;
    return this.effect(from, to).partitioned;
  }

  /**
   * Decides the fate of one message. It draws from `random` a fixed number of times whatever the outcome, so with a
   * seeded Random the stream of decisions does not shift when a partition comes and goes.
   */
  decide(from: string, to: string, random: Random): LinkDecision {
    const e = this.effect(from, to);
    const lossDraw = e.drop > 0 ? random.next() : 1;
    const jitter = e.jitterMs > 0 ? random.next() * e.jitterMs : 0;
    if (e.partitioned) return { deliver: false, reason: 'partitioned' };
    if (lossDraw < e.drop) return { deliver: false, reason: 'dropped' };
    return { deliver: true, delayMs: e.latencyMs + jitter };
  }

  private splitBy(from: string, fromLoc: Location | undefined, to: string, toLoc: Location | undefined): boolean {
    for (const p of this.config.partitions) {
      const fa = anyMatches(p.a, from, fromLoc);
      const fb = anyMatches(p.b, from, fromLoc);
      const ta = anyMatches(p.a, to, toLoc);
      const tb = anyMatches(p.b, to, toLoc);
      if ((fa && tb) || (fb && ta)) return true;
    }
    return false;
  }
}

function emptyConfig(): NetworkConfig {
  return { defaults: { ...IDEAL }, rules: [], partitions: [] };
}

function hostOf(endpoint: string): string {
  // IPv6 endpoints are "[::1]:7000"; IPv4 ones "127.0.0.1:7000".
  if (endpoint.startsWith('[')) return endpoint.slice(1, endpoint.indexOf(']'));
  const colon = endpoint.lastIndexOf(':');
  return colon < 0 ? endpoint : endpoint.slice(0, colon);
}

export function selectorMatches(sel: EndpointSelector | undefined, endpoint: string, loc: Location | undefined): boolean {
  if (sel === undefined) return true;
  if (sel.address !== undefined && sel.address !== endpoint && sel.address !== hostOf(endpoint)) return false;
  // An endpoint of unknown location matches no dc/rack selector: better to under-apply a rule than to guess.
  if (sel.dc !== undefined && loc?.dc !== sel.dc) return false;
  if (sel.rack !== undefined && loc?.rack !== sel.rack) return false;
  return true;
}

function anyMatches(group: readonly EndpointSelector[], endpoint: string, loc: Location | undefined): boolean {
  return group.some((sel) => selectorMatches(sel, endpoint, loc));
}

function ruleMatches(rule: LinkRule, from: string, fromLoc: Location | undefined, to: string,
  toLoc: Location | undefined): boolean {
  if (selectorMatches(rule.from, from, fromLoc) && selectorMatches(rule.to, to, toLoc)) return true;
  return rule.oneWay !== true && selectorMatches(rule.from, to, toLoc) && selectorMatches(rule.to, from, fromLoc);
}

function toSelectors(group: EndpointGroup): EndpointSelector[] {
  const items = typeof group === 'string' || !Array.isArray(group) ? [group as string | EndpointSelector] : group;
  return items.map((g) => (typeof g === 'string' ? { address: g } : { ...g }));
}

// ---- validation of JSON from the admin API or the launcher ----

function fail(path: string, what: string): never {
  throw new TypeError(`network config: ${path} ${what}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseMs(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(path, 'must be a non-negative number');
  return v;
}

function parseProbability(v: unknown, path: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) fail(path, 'must be a probability in [0, 1]');
  return v;
}

function parseSelector(v: unknown, path: string): EndpointSelector {
  if (typeof v === 'string') return { address: v };
  if (!isObject(v)) fail(path, 'must be an object {dc?, rack?, address?} or an address string');
  const sel: EndpointSelector = {};
  for (const key of Object.keys(v)) {
    if (key !== 'dc' && key !== 'rack' && key !== 'address') fail(`${path}.${key}`, 'is not a selector field');
    const value = v[key];
    if (typeof value !== 'string') fail(`${path}.${key}`, 'must be a string');
    sel[key] = value;
  }
  return sel;
}

function parseRule(v: unknown, path: string): LinkRule {
  if (!isObject(v)) fail(path, 'must be an object');
  const rule: LinkRule = {};
  for (const key of Object.keys(v)) {
    const value = v[key];
    const p = `${path}.${key}`;
    switch (key) {
      case 'from': case 'to': if (value !== undefined) rule[key] = parseSelector(value, p); break;
      case 'latencyMs': case 'jitterMs': rule[key] = parseMs(value, p); break;
      case 'drop': rule.drop = parseProbability(value, p); break;
      case 'partitioned': case 'oneWay':
        if (typeof value !== 'boolean') fail(p, 'must be a boolean');
        rule[key] = value;
        break;
      default: fail(p, 'is not a rule field');
    }
  }
  return rule;
}

function parseGroup(v: unknown, path: string): EndpointSelector[] {
  const items = Array.isArray(v) ? v : [v];
  return items.map((item, i) => parseSelector(item, `${path}[${i}]`));
}

/** Validates and normalizes a (partial) NetworkConfig from untrusted JSON; missing parts are ideal/empty. */
export function parseNetworkConfig(json: unknown): NetworkConfig {
  if (!isObject(json)) fail('', 'must be an object');
  const config = emptyConfig();
  for (const key of Object.keys(json)) {
    const value = json[key];
    if (value === undefined) continue;
    switch (key) {
      case 'defaults': {
        if (!isObject(value)) fail('defaults', 'must be an object');
        for (const k of Object.keys(value)) {
          if (k === 'latencyMs' || k === 'jitterMs') config.defaults[k] = parseMs(value[k], `defaults.${k}`);
          else if (k === 'drop') config.defaults.drop = parseProbability(value[k], 'defaults.drop');
          else fail(`defaults.${k}`, 'is not a defaults field');
        }
        break;
      }
      case 'rules':
        if (!Array.isArray(value)) fail('rules', 'must be an array');
        config.rules = value.map((r, i) => parseRule(r, `rules[${i}]`));
        break;
      case 'partitions':
        if (!Array.isArray(value)) fail('partitions', 'must be an array');
        config.partitions = value.map((p, i) => {
          if (!isObject(p)) fail(`partitions[${i}]`, 'must be an object {a, b}');
          return { a: parseGroup(p['a'], `partitions[${i}].a`), b: parseGroup(p['b'], `partitions[${i}].b`) };
        });
        break;
      default: fail(key, 'is not a config field');
    }
  }
  return config;
}
