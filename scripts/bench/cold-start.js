/**
 * Runs in a fresh Node process: loads a bundle, invokes its handler once with
 * the event given as JSON, and prints, as the last line of stdout, a JSON line:
 * the elapsed milliseconds from before the load to the settled invocation (an
 * error counts: the invocation ran), and the CPU milliseconds (user + system)
 * of the whole process, Node's own start included.
 */
"use strict";
const started = process.hrtime.bigint();
const mod = require(process.argv[2]);
Promise.resolve()
  .then(() => mod.handler(JSON.parse(process.argv[3] || "{}"), {}))
  .then(
    () => "ok",
    (error) => `${error?.name}: ${String(error?.message).split("\n")[0].slice(0, 120)}`,
  )
  .then((outcome) => {
    const cpu = process.cpuUsage();
    process.stdout.write(`\n${JSON.stringify({ ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000, outcome })}\n`);
  });
