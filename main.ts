/**
 * Entry point run by `cdktf synth` (see cdktf.json): loads and validates the
 * configuration selected by DR_CONFIG or DR_ENV, then synthesizes every stack.
 * A bad configuration is reported before any construct exists, the process
 * exits non-zero, and cdktf.out is left as it was.
 */
import { ConfigError, loadConfig } from "./lib/config/load";

function main(): void {
  let loaded;
  try {
    loaded = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  // Loaded only after validation: a bad file costs no provider bindings.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { synthesizeAtomically } = require("./app/synth") as typeof import("./app/synth");
  try {
    synthesizeAtomically(loaded.config, process.env.CDKTF_OUTDIR ?? "cdktf.out");
  } catch (error) {
    process.stderr.write(`Synthesis failed for ${loaded.file}: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

main();
