/**
 * Entry point run by `cdktf synth` (see cdktf.json): says which configuration
 * it loads and why (DR_CONFIG, DR_ENV or the default), validates it, prints
 * warnings, then synthesizes every stack (lib/config/gate.ts). A bad
 * configuration is reported before any construct exists, the process exits
 * non-zero, and cdktf.out is left as it was.
 */
import { runGate } from "./lib/config/gate";

const code = runGate({
  env: process.env,
  stderr: (text) => process.stderr.write(text),
  // Loaded only after validation: a bad file costs no provider bindings.
  synthesize: (config, outdir, source) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { synthesizeAtomically } = require("./app/synth") as typeof import("./app/synth");
    synthesizeAtomically(config, outdir, source);
  },
});
if (code !== 0) process.exit(code);
