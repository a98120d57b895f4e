/** Compiler flags shared by every variant. */
export declare const COMMON: string[];
/** Extra compiler flags per committed variant. */
export declare const VARIANTS: Record<string, string[]>;
/** Compile kernels.as with extra flags; resolves to the module bytes. */
export declare function compileVariant(extra: string[]): Promise<Uint8Array>;
/** The text of binary.ts for the current kernels.as. */
export declare function generate(): Promise<string>;
