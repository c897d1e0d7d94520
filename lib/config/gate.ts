/**
 * The configuration gate as the synth command runs it (main.ts calls `runGate`):
 * say which file is loaded and why, refuse a bad configuration with every
 * problem once, print warnings, then synthesize all-or-nothing. Everything is
 * written to stderr, the channel `cdktf synth` shows; stdout stays free.
 * A ConfigError thrown during synthesis (a refusal computed from the
 * synthesized Terraform, see problems.ts `refuseConfiguration`) is printed the
 * same way; synthesizeAtomically leaves an existing output as it was.
 */
import { ConfigError, describeSelection, loadConfig, selectConfigFile } from "./load";
import { formatWarnings } from "./problems";
import { DrConfig } from "./model";

export interface GateIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stderr: (text: string) => void;
  /** Synthesizes into `outdir` atomically; main.ts passes app/synth's synthesizeAtomically. */
  readonly synthesize: (config: DrConfig, outdir: string, source: string) => void;
  readonly today?: Date;
}

/** Runs the gate and synthesis; returns the process exit code. */
export function runGate(io: GateIo): number {
  let loaded;
  try {
    const selection = selectConfigFile(io.env);
    io.stderr(`${describeSelection(selection, io.env)}\n`);
    loaded = loadConfig(io.env, io.today);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (loaded.warnings.length > 0) io.stderr(`${formatWarnings(loaded.file, loaded.warnings)}\n`);
  try {
    io.synthesize(loaded.config, io.env.CDKTF_OUTDIR ?? "cdktf.out", loaded.file);
  } catch (error) {
    if (error instanceof ConfigError) io.stderr(`${error.message}\n`);
    else io.stderr(`Synthesis failed for ${loaded.file}: ${(error as Error).message}\n`);
    return 1;
  }
  return 0;
}
