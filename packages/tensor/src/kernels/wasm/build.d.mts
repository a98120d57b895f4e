/** Compiler flags shared by every variant. */
export declare const COMMON: string[];
/** Extra compiler flags per committed variant. */
export declare const VARIANTS: Record<string, string[]>;
/** The kernel sources (every `*.as` file of the folder, in name order) joined into one module text. */
export declare function sourceText(): string;
/** Compile the kernels with extra flags; resolves to the module bytes. */
export declare function compileVariant(extra: string[]): Promise<Uint8Array>;
/** The text of binary.ts for the current `.as` sources. */
export declare function generate(): Promise<string>;
