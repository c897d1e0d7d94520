/**
 * `npm run diff`: `cdktf diff` of every stack, in deploy order, stopping at the first stack that cannot plan.
 *
 * `cdktf diff` takes exactly one stack (`cdktf diff '*'` is refused), so this synthesizes once and runs
 * `cdktf diff <stack> --skip-synth` for each stack in the order `cdktf deploy '*'` applies them: the order
 * of the dependencies recorded in cdktf.out/manifest.json (declared by stacks/layout.ts), each stack after
 * every stack it depends on.
 *
 * A stack often cannot plan before the stacks before it are deployed (a data source that looks up a VPC,
 * a published parameter or a key that does not exist yet fails the plan). So the first failure stops the
 * run with a message that names the stack, what was planned, what was not, the stacks it waits for, and the
 * command to continue from it (`--from`).
 *
 *   npm run diff                          every stack
 *   npm run diff -- app-us-east-2 dns     those stacks (still in deploy order)
 *   npm run diff -- --from data-us-east-2 that stack and every one after it
 *   npm run diff -- --skip-synth ...      use cdktf.out as it is
 *   any other option (--refresh-only, --var ...) goes to every `cdktf diff`
 *
 * The commands run through an injected runner: __tests__/operator-tools.test.ts tests the order and the stop
 * without terraform.
 */
import * as fs from "fs";
import * as path from "path";
import { deployOrder } from "../stacks/layout";

export interface Manifest {
  readonly stacks: Record<string, { readonly dependencies?: readonly string[] }>;
}

/**
 * The stacks of a synthesized app in deploy order: each after every stack the manifest says it depends on;
 * among stacks free to go, in the order of `preferred` (the layout's order, stacks/layout.ts), then by name.
 */
export function manifestDeployOrder(manifest: Manifest, preferred: readonly string[] = []): string[] {
  const rank = (id: string) => (preferred.includes(id) ? preferred.indexOf(id) : preferred.length);
  const entries = Object.entries(manifest.stacks).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  return deployOrder(entries.map(([id, entry]) => ({ id, dependsOn: [...(entry.dependencies ?? [])] })));
}

export interface DiffAllArgs {
  /** Stacks named on the command line ('*' means all). Empty: all. */
  readonly stacks: readonly string[];
  /** --from <stack>: start there. */
  readonly from?: string;
  /** --skip-synth: use cdktf.out as it is. */
  readonly skipSynth: boolean;
  /** Every other option, passed to each `cdktf diff`. */
  readonly passThrough: readonly string[];
}

/** Options of cdktf diff that take a value (so the value is not read as a stack name). */
const VALUED_OPTIONS = new Set(["--var", "--var-file", "--terraform-parallelism", "--app", "-a", "--output", "-o"]);

export function parseDiffArgs(argv: readonly string[]): DiffAllArgs {
  const stacks: string[] = [];
  const passThrough: string[] = [];
  let from: string | undefined;
  let skipSynth = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--from") {
      from = argv[++i];
      if (!from) throw new Error("--from needs a stack name");
    } else if (arg === "--skip-synth") skipSynth = true;
    else if (arg.startsWith("-")) {
      passThrough.push(arg);
      if (VALUED_OPTIONS.has(arg) && argv[i + 1] !== undefined) passThrough.push(argv[++i]!);
    } else stacks.push(arg);
  }
  return { stacks, from, skipSynth, passThrough };
}

/** The stacks to diff, in deploy order; throws naming the valid stacks when one is unknown. */
export function stacksToDiff(order: readonly string[], args: Pick<DiffAllArgs, "stacks" | "from">): string[] {
  const known = new Set(order);
  const named = args.stacks.filter((s) => s !== "*");
  for (const stack of [...named, ...(args.from ? [args.from] : [])]) {
    if (!known.has(stack)) throw new Error(`no stack named ${stack} in this configuration; its stacks, in deploy order: ${order.join(", ")}`);
  }
  let selected = named.length === 0 ? [...order] : order.filter((s) => named.includes(s));
  if (args.from) selected = selected.slice(Math.max(0, selected.indexOf(args.from)));
  if (args.from && !selected.includes(args.from)) throw new Error(`--from ${args.from} is not among the stacks named`);
  return selected;
}

export interface DiffAllDeps {
  /** Runs a command with the terminal attached; resolves with its exit code. */
  run(command: string, args: readonly string[]): Promise<number>;
  /** Reads cdktf.out/manifest.json after synthesis. */
  readManifest(): Manifest;
  log(line: string): void;
}

export interface DiffAllOptions {
  /** The cdktf executable. */
  readonly cdktf: string;
  /** The layout's deploy order (deployOrder(planStacks(config))), to order stacks the manifest leaves free. */
  readonly preferredOrder?: readonly string[];
}

/** Runs the diffs; resolves with the exit code (0 when every stack planned). */
export async function runDiffAll(argv: readonly string[], options: DiffAllOptions, deps: DiffAllDeps): Promise<number> {
  let args: DiffAllArgs;
  try {
    args = parseDiffArgs(argv);
  } catch (error) {
    deps.log((error as Error).message);
    return 2;
  }
  if (!args.skipSynth) {
    deps.log("synthesizing once (cdktf synth); every diff below uses that output (--skip-synth)");
    const code = await deps.run(options.cdktf, ["synth"]);
    if (code !== 0) {
      deps.log(`cdktf synth failed (exit ${code}): nothing was planned`);
      return code;
    }
  }
  const manifest = deps.readManifest();
  const order = manifestDeployOrder(manifest, options.preferredOrder);
  let stacks: string[];
  try {
    stacks = stacksToDiff(order, args);
  } catch (error) {
    deps.log((error as Error).message);
    return 2;
  }
  deps.log(`diffing ${stacks.length} stack(s) in deploy order: ${stacks.join(" -> ")}`);
  const planned: string[] = [];
  for (const [index, stack] of stacks.entries()) {
    deps.log(`[${index + 1}/${stacks.length}] cdktf diff ${stack}`);
    const code = await deps.run(options.cdktf, ["diff", stack, "--skip-synth", ...args.passThrough]);
    if (code !== 0) {
      const rest = stacks.slice(index + 1);
      const waitsFor = manifest.stacks[stack]?.dependencies ?? [];
      deps.log(
        [
          `STOPPED at ${stack}: it could not be planned (cdktf diff exited ${code}); see terraform's error above.`,
          `  planned:     ${planned.join(", ") || "none"}`,
          `  not planned: ${[stack, ...rest].join(", ")}`,
          waitsFor.length > 0
            ? `  ${stack} comes after ${waitsFor.join(", ")}: a plan that looks up what they create fails until they are deployed (npm run deploy -- ${waitsFor.join(" ")}).`
            : `  ${stack} depends on no other stack: the error is its own (credentials, backend, quota...): docs/troubleshooting.md.`,
          `  continue from it with: npm run diff -- --from ${stack}`,
        ].join("\n"),
      );
      return code;
    }
    planned.push(stack);
  }
  deps.log(`every stack planned: ${planned.join(", ")}`);
  return 0;
}

/** Reads a manifest from a cdktf output directory. */
export function manifestReader(outdir: string): () => Manifest {
  return () => JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as Manifest;
}
