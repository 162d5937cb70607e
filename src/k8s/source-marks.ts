import type { SourceKind } from '../api/constants.ts';
import { sourceMarksOf, type SourceMarks } from '../core/reloader-annotations.ts';
import type { SourceId } from '../core/types.ts';

/**
 * Reloader's marks on ConfigMaps and Secrets (reloader.stakater.com/match and /ignore), by
 * namespace, kept beside the fact store's digests for --reloader-annotations. Only sources
 * that carry a mark are kept, so an unmarked cluster costs nothing.
 */
export class SourceMarkStore {
  readonly #marks = new Map<string, Map<SourceId, SourceMarks>>();

  marksOf(namespace: string, id: SourceId): SourceMarks | undefined {
    return this.#marks.get(namespace)?.get(id);
  }

  /** Records the source's marks from its annotations; true when they differ from what was kept. */
  observe(namespace: string, id: SourceId, annotations: Readonly<Record<string, string>> | undefined): boolean {
    const next = sourceMarksOf(annotations);
    const previous = this.marksOf(namespace, id);
    if (next === undefined) return this.forget(namespace, id);
    let inner = this.#marks.get(namespace);
    if (!inner) this.#marks.set(namespace, (inner = new Map()));
    inner.set(id, next);
    return previous?.match !== next.match || previous.ignore !== next.ignore;
  }

  /** The source is gone (or lost its marks); true when it had any. */
  forget(namespace: string, id: SourceId): boolean {
    const inner = this.#marks.get(namespace);
    if (!inner?.delete(id)) return false;
    if (inner.size === 0) this.#marks.delete(namespace);
    return true;
  }

  /** Marked sources of one kind in a namespace (for relists). */
  idsOf(namespace: string, kind: SourceKind): SourceId[] {
    return [...(this.#marks.get(namespace)?.keys() ?? [])].filter((id) => id.startsWith(`${kind}/`));
  }
}
