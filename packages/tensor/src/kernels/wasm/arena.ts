/**
 * Tensor storage in WebAssembly memory (work in progress by the lead; API fixed):
 * float storages live in the kernels module's memory so kernels run on them without copies.
 * @module
 */

/**
 * The byte address of `arr`'s first element in the kernels' WebAssembly memory, or -1 when `arr`
 * lives in ordinary JS memory (then a kernel must copy it in, or decline).
 * @param arr - Any typed array.
 * @returns The byte address, or -1.
 */
export function addressOf(arr: ArrayBufferView): number {
  void arr;
  return -1;
}
