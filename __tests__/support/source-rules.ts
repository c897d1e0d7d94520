/**
 * Rules the source tree keeps, checked on the files themselves (layout.test.ts):
 * the dependency direction of the folders, where names and ARNs are built, and
 * that stacks only compose constructs.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./config";

export interface SourceFile {
  /** Path relative to the project root, with forward slashes. */
  readonly path: string;
  readonly text: string;
}

export interface RuleViolation {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export function sourceFiles(...dirs: string[]): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (/\.(ts|js)$/.test(entry.name)) out.push({ path: rel, text: fs.readFileSync(path.join(PROJECT_ROOT, rel), "utf8") });
    }
  };
  dirs.forEach(walk);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Code without comments, line numbers kept (block comments become blank lines). */
function codeLines(text: string): string[] {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ""))
    .split("\n")
    .map((line) => line.replace(/(^|[^:"'`])\/\/.*$/, "$1"));
}

function importsOf(file: SourceFile): { spec: string; line: number }[] {
  const found: { spec: string; line: number }[] = [];
  codeLines(file.text).forEach((line, i) => {
    for (const m of line.matchAll(/(?:from\s+|require\(|import\()\s*["']([^"']+)["']/g)) found.push({ spec: m[1], line: i + 1 });
  });
  return found;
}

/** The top-level folder an import of `file` lands in, for relative imports. */
function targetFolder(file: SourceFile, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  return path.posix.normalize(path.posix.join(path.posix.dirname(file.path), spec)).split("/")[0];
}

/** lib/ is a leaf: it may import lambda code (key formats, metric names) but no stack, construct or app module. */
export function libImportsOutward(files: readonly SourceFile[]): RuleViolation[] {
  return files.flatMap((file) =>
    importsOf(file)
      .filter(({ spec }) => ["stacks", "constructs", "app", "__tests__"].includes(targetFolder(file, spec) ?? ""))
      .map(({ spec, line }) => ({ file: file.path, line, message: `lib/ imports ${spec}: lib/ is a leaf (config, catalog, naming rules)` })),
  );
}

/** Files allowed to build names or ARNs: the catalog, and the naming rules it uses. */
export const NAME_BUILDERS = ["lib/catalog.ts", "lib/naming.ts"];

/** Naming is called, an ARN is assembled, or the suffix is spliced into a name outside the catalog. */
export function namesBuiltOutsideCatalog(files: readonly SourceFile[]): RuleViolation[] {
  const violations: RuleViolation[] = [];
  for (const file of files) {
    if (NAME_BUILDERS.includes(file.path)) continue;
    codeLines(file.text).forEach((line, i) => {
      const at = { file: file.path, line: i + 1 };
      if (/\bnew Naming\(|\bNaming\b.*from ["'][./]*lib\/naming["']/.test(line)) violations.push({ ...at, message: "uses Naming: names come from the catalog (lib/catalog.ts)" });
      if (/[`"']arn:/.test(line)) violations.push({ ...at, message: "assembles an ARN: ARNs come from the catalog (RegionCatalog.arns)" });
      if (/\.suffix\b/.test(line) && !file.path.startsWith("lib/config/")) violations.push({ ...at, message: "splices the environment suffix into a name: names come from the catalog" });
    });
  }
  return violations;
}

/** A stack module that imports an AWS resource or data source class: stacks compose constructs only. */
export function stacksImportingResources(files: readonly SourceFile[]): RuleViolation[] {
  return files.flatMap((file) =>
    importsOf(file)
      .filter(({ spec }) => spec.startsWith("@cdktf/provider-aws/lib/") && spec !== "@cdktf/provider-aws/lib/provider")
      .map(({ spec, line }) => ({ file: file.path, line, message: `imports ${spec}: a stack creates resources only through constructs` })),
  );
}

/** An optional prop of an exported props interface without a `@default` line in its doc comment. */
export function optionalPropsWithoutDefault(files: readonly SourceFile[]): RuleViolation[] {
  const violations: RuleViolation[] = [];
  for (const file of files) {
    const lines = file.text.split("\n");
    let inInterface = false;
    lines.forEach((line, i) => {
      if (/^export interface \w+/.test(line)) inInterface = true;
      else if (inInterface && line.startsWith("}")) inInterface = false;
      const prop = inInterface ? /^\s+readonly (\w+)\?:/.exec(line) : null;
      if (!prop) return;
      let doc = "";
      if (lines[i - 1]?.trim().endsWith("*/")) {
        for (let j = i - 1; j >= 0; j--) {
          doc = `${lines[j]}\n${doc}`;
          if (lines[j].trim().startsWith("/**")) break;
        }
      }
      if (!doc.includes("@default")) violations.push({ file: file.path, line: i + 1, message: `optional prop ${prop[1]} documents no @default` });
    });
  }
  return violations;
}
