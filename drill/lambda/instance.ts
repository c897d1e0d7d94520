/**
 * One Lambda "execution environment" of the drill: a bundle's code evaluated
 * once per (function, region), with that region's environment, the way Lambda
 * loads `index.js` once and calls `handler` for each invocation.
 *
 * The module gets:
 * - `process`: the real process, except `env` (the function's variables from the
 *   synthesized stack, plus AWS_REGION) and `stdout`/`stderr` (captured lines);
 * - `require`: the host's, except `@aws-sdk/client-*` (each client class
 *   subclassed so that a client built without a region gets the function's
 *   region, as the SDK would from AWS_REGION, and is tagged with the region the
 *   code runs in, for the network model) and `dns` (answered by the Route 53 model);
 * - `fetch`: answered by the model from this region's vantage point.
 * Timers and Date are the process's globals: virtual while the drill's clock runs.
 */
import { CALLER_FUNCTION, CALLER_REGION, REQUEST_TIMEOUT, SANDBOX } from "../model/aws-model";

export type Handler = (event: unknown, context?: unknown) => Promise<unknown>;

export type FetchLike = (url: string | URL, init?: { method?: string; signal?: AbortSignal; headers?: Record<string, string> }) => Promise<{ status: number; body?: unknown }>;

/** The subset of node:dns the handlers may use, answered by the drill. */
export interface DnsShim {
  promises: { resolveTxt(name: string): Promise<string[][]>; Resolver: new () => { resolveTxt(name: string): Promise<string[][]> } };
  resolveTxt(name: string, callback: (error: Error | null, records?: string[][]) => void): void;
  Resolver: new () => { resolveTxt(name: string, callback: (error: Error | null, records?: string[][]) => void): void };
}

export interface InstanceOptions {
  readonly functionName: string;
  readonly region: string;
  readonly code: string;
  readonly env: Readonly<Record<string, string>>;
  readonly fetch: FetchLike;
  readonly dns: DnsShim;
  /** The host's require (so the SDK classes are the ones aws-sdk-client-mock patched, in jest too). */
  readonly hostRequire?: NodeRequire;
  /** Keeps at most this many captured output lines. @default 2000 */
  readonly maxLogLines?: number;
  /** Tags the SDK clients with the function (the model's call log names it). @default functionName */
  readonly tag?: string;
  /**
   * The execution environment's liveness: once `alive` is false (the sandbox timed out, or its region
   * went down), every AWS call its code makes never completes, like code in a frozen sandbox.
   * @default always alive
   */
  readonly sandbox?: { alive: boolean };
}

export interface LambdaInstance {
  readonly functionName: string;
  readonly region: string;
  readonly env: Readonly<Record<string, string>>;
  readonly handler: Handler;
  /** Lines the module wrote to stdout/stderr (its JSON logs), newest last. */
  readonly logs: string[];
}

export function loadInstance(options: InstanceOptions): LambdaInstance {
  const hostRequire = options.hostRequire ?? require;
  const logs: string[] = [];
  const max = options.maxLogLines ?? 2000;
  const sink = {
    write: (chunk: string | Uint8Array) => {
      for (const line of String(chunk).split("\n")) if (line.trim() !== "") logs.push(line);
      if (logs.length > max) logs.splice(0, logs.length - max);
      return true;
    },
  };
  const env = { ...options.env, AWS_REGION: options.region, AWS_DEFAULT_REGION: options.region };
  const fakeProcess = new Proxy(process, {
    get(target, property, receiver) {
      if (property === "env") return env;
      if (property === "stdout" || property === "stderr") return sink;
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const sdkCache = new Map<string, unknown>();
  const shimRequire = ((id: string) => {
    if (id === "dns" || id === "node:dns") return options.dns;
    if (id === "dns/promises" || id === "node:dns/promises") return options.dns.promises;
    if (id.startsWith("@aws-sdk/client-")) {
      let wrapped = sdkCache.get(id);
      if (!wrapped) {
        wrapped = regionalSdk(hostRequire(id) as Record<string, unknown>, options.region, options.tag ?? options.functionName, options.sandbox);
        sdkCache.set(id, wrapped);
      }
      return wrapped;
    }
    return hostRequire(id);
  }) as NodeRequire;
  const module = { exports: {} as Record<string, unknown> };
  const filename = `/drill/${options.functionName}/${options.region}/index.js`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function("exports", "require", "module", "__filename", "__dirname", "process", "fetch", options.code) as (...args: unknown[]) => void;
  factory(module.exports, shimRequire, module, filename, filename.replace(/\/index\.js$/, ""), fakeProcess, options.fetch);
  const handler = module.exports.handler;
  if (typeof handler !== "function") throw new Error(`${options.functionName}: the bundle exports no handler`);
  return { functionName: options.functionName, region: options.region, env, handler: handler as Handler, logs };
}

/** The SDK module with each `*Client` class subclassed: default region, and the caller's region tag. */
function regionalSdk(sdk: Record<string, unknown>, region: string, tag: string, sandbox: { alive: boolean } | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(sdk)) {
    if (typeof value === "function" && name.endsWith("Client") && typeof (value as { prototype?: { send?: unknown } }).prototype?.send === "function") {
      const Base = value as new (config: Record<string, unknown>) => object;
      const Regional = class extends Base {
        constructor(config: Record<string, unknown> = {}) {
          super({ ...config, region: config.region ?? region });
          (this as Record<symbol, unknown>)[CALLER_REGION] = region;
          (this as Record<symbol, unknown>)[CALLER_FUNCTION] = tag;
          if (sandbox) (this as Record<symbol, unknown>)[SANDBOX] = sandbox;
          const handler = config.requestHandler as { requestTimeout?: unknown } | undefined;
          if (typeof handler?.requestTimeout === "number") (this as Record<symbol, unknown>)[REQUEST_TIMEOUT] = handler.requestTimeout;
        }
      };
      Object.defineProperty(Regional, "name", { value: name });
      out[name] = Regional;
    } else {
      out[name] = value;
    }
  }
  return out;
}
