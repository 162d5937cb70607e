// What the demo prints: numbered steps, indented details, commands as typed. Colour
// only when stdout is a terminal (styleText checks isTTY, NO_COLOR and FORCE_COLOR).
import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

function paint(style: Style, text: string): string {
  return styleText(style, text, { stream: process.stdout });
}

export function banner(text: string): void {
  console.log(paint('bold', text));
}

export function step(index: number, total: number, title: string): void {
  console.log(`\n${paint('cyan', `[${index}/${total}]`)} ${paint('bold', title)}`);
}

export function detail(text: string): void {
  for (const line of text.replace(/\n+$/, '').split('\n')) console.log(`      ${paint('dim', line)}`);
}

export function ok(text: string): void {
  console.log(`    ${paint('green', '✓')} ${text}`);
}

export function command(text: string): void {
  console.log(`    ${paint('yellow', '$')} ${text}`);
}

/** Output of a command, indented under it. */
export function output(text: string): void {
  for (const line of text.replace(/\n+$/, '').split('\n')) console.log(`      ${line}`);
}

export function failure(text: string): void {
  console.error(`\n${paint('red', '✗')} ${text}`);
}

export function highlight(text: string): string {
  return paint('bold', text);
}
