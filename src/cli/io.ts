// What a command reads and writes, kept behind one small interface so that tests
// can run commands in-process.

import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { isObject, messageOf } from '../core/guards.js';
import { UsageError } from './errors.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => {
    process.stdout.write(text);
  },
  err: (text) => {
    process.stderr.write(text);
  },
};

/** Reads a file as UTF-8 ('-' = standard input), or a UsageError that names it. */
export function readInput(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    const code = isObject(e) ? e.code : undefined;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : messageOf(e);
    throw new UsageError(`cannot read '${file}': ${why}`);
  }
}

/** Asks a question on the terminal without echoing the answer (a password). */
export function askHidden(question: string): Promise<string> {
  return new Promise<string>((resolve) => {
    // readline has no option to hide input: its output is muted once the question
    // has been written, so that the answer is not echoed.
    let muted = false;
    const output = new Writable({
      write(chunk, _encoding, done) {
        if (!muted) process.stderr.write(chunk);
        done();
      },
    });
    const rl = createInterface({ input: process.stdin, output, terminal: true });
    rl.question(question, (a) => {
      rl.close();
      process.stderr.write('\n');
      resolve(a);
    });
    muted = true;
  });
}

/** A secret from an environment variable, else asked on the terminal (not echoed). */
export async function secret(env: string, question: string): Promise<string> {
  const v = process.env[env];
  if (v !== undefined && v.length > 0) return v;
  if (!process.stdin.isTTY) throw new UsageError(`set ${env} (no terminal to ask for it)`);
  return askHidden(question);
}
