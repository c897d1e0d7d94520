/** Reading a directory tree as relative path -> bytes, for byte-for-byte comparisons. */
import * as fs from "fs";
import * as path from "path";

export function readTree(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(root, full), fs.readFileSync(full));
    }
  };
  walk(root);
  return files;
}

/** Relative paths whose bytes differ, or that exist on one side only. */
export function treeDifferences(a: Map<string, Buffer>, b: Map<string, Buffer>): string[] {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names].filter((name) => {
    const left = a.get(name);
    const right = b.get(name);
    return !left || !right || !left.equals(right);
  });
}
