/** Moved to drill/model/ddb-expressions.ts; re-exported so existing tests keep compiling. */
export * from "../../../drill/model/ddb-expressions";
