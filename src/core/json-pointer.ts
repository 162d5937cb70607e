import { isRecord } from './is-record.ts';

/** The segments of a JSON pointer (RFC 6901), unescaped: ~1 is "/", ~0 is "~". */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Whether `pointer` is a JSON pointer to an object member: "" or "/a/b", no empty segment. */
export function isMemberPointer(pointer: string): boolean {
  return pointer === '' || (pointer.startsWith('/') && pointerSegments(pointer).every((segment) => segment !== ''));
}

/** The value at `pointer` in `value`, following object members only; undefined where the path ends early. */
export function valueAtPointer(value: unknown, pointer: string): unknown {
  let current = value;
  for (const segment of pointerSegments(pointer)) {
    if (!isRecord(current)) return undefined;
    current = current[segment];
  }
  return current;
}
