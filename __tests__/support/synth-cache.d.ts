/** Types of synth-cache.js (plain JavaScript: the global setup requires it without a transform). */
export declare const ROOT: string;
export declare function sourceHash(): string;
export declare function configKey(config: unknown): string;
export declare function configsDir(root?: string): string;
export declare function mode(): "on" | "off" | "verify" | string;
export declare function recordConfig(config: unknown, key?: string): void;
export declare function throwawayRoot(): string;
export declare function intact(outdir: string): boolean;
export declare function listTree(dir: string, rel?: string): string[];
export declare class SynthCache {
  constructor(hash?: string, root?: string);
  readonly hash: string;
  readonly root: string;
  readonly dir: string;
  entry(key: string): string;
  lookup(key: string): string | undefined;
  shippedAlias(name: string): string;
  shipped(name: string): { key: string; outdir: string } | undefined;
  staging(): string;
  file(key: string, outdir: string, options: { keepAssets: boolean }): string | undefined;
  synthesizeAndFile(key: string, synthesize: (outdir: string) => void, options: { keepAssets: boolean }): string;
  verify(): string[];
  prune(keep?: number): void;
}
