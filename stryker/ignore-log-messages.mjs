/**
 * Stryker ignorer "log-message-text": skips mutants inside the arguments of
 * logger calls (`log.info(...)`, `deps.log.warn(...)`, `log.error(...)` ...).
 * Those arguments are log event names and log fields: text for people reading
 * CloudWatch Logs, not behaviour, and the unit tests rightly do not assert on
 * them. Nothing else is excluded: pages, audit fields, reasons and timeline
 * events are observable outputs and are mutated.
 */
import { declareValuePlugin, PluginKind } from "@stryker-mutator/api/plugin";

const LEVELS = new Set(["debug", "info", "warn", "error"]);

function isLoggerCall(node) {
  if (node.type !== "CallExpression" || node.callee.type !== "MemberExpression") return false;
  const { object, property } = node.callee;
  if (property.type !== "Identifier" || !LEVELS.has(property.name)) return false;
  // log.info(...) or <anything>.log.info(...)
  if (object.type === "Identifier") return object.name === "log";
  return object.type === "MemberExpression" && object.property.type === "Identifier" && object.property.name === "log";
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, "log-message-text", {
    shouldIgnore(path) {
      if (path.isExpressionStatement() && isLoggerCall(path.node.expression)) return "log message text (event names and fields read by people, not behaviour)";
      return undefined;
    },
  }),
];
