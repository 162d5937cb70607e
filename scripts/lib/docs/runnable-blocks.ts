// The commands a reader copies, as `npm run docs:check` finds them: fenced blocks whose info
// string is `sh runnable` (GitHub shows them as ordinary `sh` blocks). Pure: text in, blocks out.

export const RUNNABLE_INFO = 'sh runnable';

export interface RunnableBlock {
  /** The Markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
}

/** Every runnable block of one Markdown file, in order; an unclosed one is an error, not a skip. */
export function runnableBlocks(file: string, markdown: string): RunnableBlock[] {
  const lines = markdown.split('\n');
  const blocks: RunnableBlock[] = [];
  let open: { fence: string; line: number; runnable: boolean; body: string[] } | undefined;
  lines.forEach((text, index) => {
    if (open) {
      if (text.trim() === open.fence) {
        if (open.runnable) blocks.push({ file, line: open.line, code: `${open.body.join('\n')}\n` });
        open = undefined;
      } else {
        open.body.push(text);
      }
      return;
    }
    const fence = /^\s*(`{3,}|~{3,})(.*)$/.exec(text);
    if (fence) {
      open = { fence: fence[1]!, line: index + 1, runnable: fence[2]!.trim() === RUNNABLE_INFO, body: [] };
    }
  });
  if (open?.runnable) throw new Error(`${file}:${open.line}: the runnable block is never closed`);
  return blocks;
}
