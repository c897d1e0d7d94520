/**
 * Runs in a fresh Node process: loads a bundle, invokes its handler once with
 * the event given as JSON, and prints the elapsed milliseconds from before the
 * load to the settled invocation (an error counts: the invocation ran).
 */
"use strict";
const started = process.hrtime.bigint();
const mod = require(process.argv[2]);
Promise.resolve()
  .then(() => mod.handler(JSON.parse(process.argv[3] || "{}"), {}))
  .catch(() => undefined)
  .finally(() => process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6)));
