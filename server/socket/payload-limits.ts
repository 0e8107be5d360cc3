/**
 * Bounds on the shape of a socket payload, checked before anything parses, copies or
 * re-emits it: nesting depth, number of values, and bytes of strings and binary. The
 * walk uses its own stack, so a deeply nested payload cannot overflow the call stack.
 */
import { ChatFilesError } from '../errors.js';

/** How large a payload may be. */
export interface PayloadLimits {
  /** Deepest nesting of objects and arrays (the payload itself is depth 1). @default 8 */
  maxDepth: number;
  /** Most values (objects, arrays, strings, numbers...) in the whole payload. @default 256 */
  maxValues: number;
  /** Most bytes of strings (UTF-16 code units) and binary data in the whole payload. @default 65536 */
  maxBytes: number;
}

/** Limits of an ordinary event: a handful of ids, numbers and short strings. */
export const DEFAULT_PAYLOAD_LIMITS: Readonly<PayloadLimits> = Object.freeze({
  maxDepth: 8,
  maxValues: 256,
  maxBytes: 64 * 1024,
});

const tooLarge = (message: string) => new ChatFilesError('ERR_TOO_LARGE', message);

/** Throws `ERR_TOO_LARGE` when `payload` is deeper, has more values or more bytes than `limits`. */
export function checkPayloadShape(payload: unknown, limits: PayloadLimits): void {
  let values = 0;
  let bytes = 0;
  const stack: Array<[unknown, number]> = [[payload, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    values += 1;
    if (values > limits.maxValues) {
      throw tooLarge(`The payload has more than ${limits.maxValues} values.`);
    }
    if (typeof value === 'string') {
      bytes += value.length;
    } else if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
      bytes += value.byteLength;
    } else if (typeof value === 'object' && value !== null) {
      if (depth > limits.maxDepth) {
        throw tooLarge(`The payload is nested more than ${limits.maxDepth} levels deep.`);
      }
      let children: unknown[];
      if (Array.isArray(value)) {
        children = value;
      } else {
        const keys = Object.keys(value);
        for (const key of keys) bytes += key.length;
        children = Object.values(value);
      }
      // Checked before pushing, so one huge array cannot grow the stack first.
      if (values + children.length > limits.maxValues) {
        throw tooLarge(`The payload has more than ${limits.maxValues} values.`);
      }
      for (const child of children) stack.push([child, depth + 1]);
    }
    if (bytes > limits.maxBytes) {
      throw tooLarge(`The payload is larger than ${limits.maxBytes} bytes.`);
    }
  }
}
