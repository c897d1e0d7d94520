/** Moved to drill/model/aws-model.ts (the drill harness owns the model); re-exported so existing tests keep compiling. */
export * from "../../../drill/model/aws-model";
