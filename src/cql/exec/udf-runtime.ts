// Running user-defined functions. LANGUAGE javascript bodies (as Cassandra 3.x ran them, in Nashorn) run in a
// node:vm context of their own: no require, no process, no timers, no eval or Function from strings, and a time
// limit per call (Cassandra's user_defined_functions_fail_timeout, 1500 ms). Only primitives and JSON text cross
// into the context, so sandboxed code never holds an object of the host realm (whose constructors would lead back
// to the host's Function and process). node:vm has no memory limit of its own: a body that allocates without bound
// within its time limit is bounded by the time limit only. LANGUAGE java bodies are stored but cannot run here.
import { createContext, Script, type Context } from 'node:vm';
import { FunctionFailureError, InvalidRequestError } from '../../model/errors.ts';
import { typeToCql, type CqlType } from '../../model/types.ts';
import { decodeJs, encodeJs, type JsValue } from '../../model/values/js.ts';
import type { UserFunctionDef } from '../../schema/function-model.ts';

/** Cassandra's user_defined_functions_fail_timeout default. */
export const UDF_TIMEOUT_MS = 1500;

/** A callable function: serialized arguments in, a serialized result out. */
export type UdfCall = (args: Array<Buffer | null>) => Buffer | null;

function fullName(f: UserFunctionDef): string {
  return `${f.keyspace}.${f.name}`;
}

function failure(f: UserFunctionDef, message: string): FunctionFailureError {
  const types = f.argTypes.map((t) => typeToCql(t));
  return new FunctionFailureError(`execution of '${fullName(f)}[${types.join(', ')}]' failed: ${message}`, f.keyspace, f.name, types);
}

/** A host value as something safe to hand to the sandbox: a primitive, or JSON text to be parsed inside. */
function transferable(v: JsValue): { primitive: unknown } | { json: string } {
  if (v === null || typeof v !== 'object') return { primitive: v };
  if (v instanceof Date) return { primitive: v.getTime() };
  if (Buffer.isBuffer(v)) return { primitive: v.toString('hex') };
  const plain = (x: unknown): unknown => {
    if (typeof x === 'bigint') return x.toString();
    if (x instanceof Date) return x.getTime();
    if (x instanceof Map) return Object.fromEntries([...x.entries()].map(([k, e]) => [String(plain(k)), plain(e)]));
    if (x instanceof Set) return [...x].map(plain);
    if (Array.isArray(x)) return x.map(plain);
    if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, e]) => [k, plain(e)]));
    return x;
  };
  return { json: JSON.stringify(plain(v)) };
}

const RESULT_SCRIPT = new Script(
  "__kind = typeof __r; __out = (__r !== null && typeof __r === 'object') ? JSON.stringify(__r) : (typeof __r === 'bigint' ? String(__r) : __r);",
);

/** Compiles a JavaScript function once; each call runs it in the function's own context. */
function javascriptCall(f: UserFunctionDef): UdfCall {
  let body: Script;
  try {
    body = new Script(f.body, { filename: fullName(f) });
  } catch (e) {
    throw new InvalidRequestError(`Failed to compile function '${fullName(f)}' for language javascript: ${e instanceof Error ? e.message : String(e)}`);
  }
  const context: Context = createContext(Object.create(null), { codeGeneration: { strings: false, wasm: false } });
  const prelude = new Script(f.argNames.map((n, i) => `var ${n} = __json${i} === undefined ? __arg${i} : JSON.parse(__json${i});`).join('\n'));
  const run = (s: Script): unknown => s.runInContext(context, { timeout: UDF_TIMEOUT_MS, breakOnSigint: false });
  return (args) => {
    if (!f.calledOnNullInput && args.some((a) => a === null)) return null;
    args.forEach((a, i) => {
      const t = transferable(decodeJs(f.argTypes[i]!, a));
      context[`__arg${i}`] = 'primitive' in t ? t.primitive : undefined;
      context[`__json${i}`] = 'json' in t ? t.json : undefined;
    });
    try {
      run(prelude);
      context['__r'] = run(body);
      run(RESULT_SCRIPT);
    } catch (e) {
      throw failure(f, e instanceof Error ? e.message : String(e));
    }
    return resultValue(f, context['__kind'] as string, context['__out']);
  };
}

function resultValue(f: UserFunctionDef, kind: string, out: unknown): Buffer | null {
  if (out === null || out === undefined) return null;
  let v: JsValue;
  if (kind === 'object') v = JSON.parse(out as string) as JsValue;
  else if (kind === 'bigint') v = BigInt(out as string);
  else v = out as JsValue;
  const t: CqlType = f.returnType;
  // A JavaScript number is a double: integral results of integer types are whole numbers, which encodeJs takes.
  if (typeof v === 'number' && t.kind === 'native' && ['int', 'smallint', 'tinyint', 'bigint', 'varint', 'counter'].includes(t.name)) v = Math.trunc(v);
  try {
    return encodeJs(t, v);
  } catch (e) {
    throw failure(f, `the result does not fit the return type ${typeToCql(t)}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The call of a user-defined function, refused at compile time for a language Sibyl cannot run. */
export function userFunctionCall(f: UserFunctionDef): UdfCall {
  if (f.language === 'javascript') return javascriptCall(f);
  throw new InvalidRequestError(
    `Function '${fullName(f)}' is written in ${f.language}, which Sibyl stores but cannot execute; only LANGUAGE javascript functions can be called`,
  );
}
