import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import { printable, quote } from '../normalize/json-reader.js';

const gunzip = promisify(gunzipCallback);

/**
 * A snapshot file's bytes -> JSON, in the forms people produce: `aws … > file` in a POSIX
 * shell (UTF-8), in Windows PowerShell 5.1 (UTF-16LE with a BOM), through an editor that
 * adds a UTF-8 BOM, or gzip-compressed. What is not the JSON the CLI prints is described
 * (UTF-16 without a BOM, text or table output, an AWS CLI error, a syntax error at a line
 * and column), never echoed raw.
 */

export type FileContent =
  /** 0 bytes, or whitespace only: what a failed `aws … > file` leaves. */
  | { readonly kind: 'empty'; readonly notes: readonly string[] }
  /** `notes` say how it was decoded when it was not plain UTF-8 JSON. */
  | { readonly kind: 'json'; readonly value: unknown; readonly notes: readonly string[] }
  /** Not JSON: where (`$` or `line L, column C`) and what was found. */
  | { readonly kind: 'unreadable'; readonly location: string; readonly problem: string };

const GZIP_MAGIC = [0x1f, 0x8b] as const;

function hexBytes(bytes: Uint8Array, count = 8): string {
  return [...bytes.subarray(0, count)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
}

function isWhitespaceOnly(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    // JSON's whitespace, plus what editors leave: vertical tab, form feed, BOM, NBSP.
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09 && code !== 0x0b && code !== 0x0c && code !== 0xfeff && code !== 0xa0) {
      return false;
    }
  }
  return true;
}

/** Line and column (1-based, in characters) of an offset into the text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let index = text.indexOf('\n'); index !== -1 && index < end; index = text.indexOf('\n', index + 1)) {
    line++;
    lineStart = index + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * The first syntax error of a text that JSON.parse refused: its offset and what was expected
 * there. V8's own messages name a position only sometimes and echo the source raw; this
 * walk is run only on failure, so it can afford to be plain.
 */
export function findJsonSyntaxError(text: string): { offset: number; message: string } | undefined {
  const length = text.length;
  let index = 0;
  const stack: ('object' | 'array')[] = [];
  const skipWhitespace = () => {
    while (index < length) {
      const code = text.charCodeAt(index);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return;
      index++;
    }
  };
  const found = () => (index >= length ? 'the end of the file' : `'${printable(String.fromCodePoint(text.codePointAt(index)!))}'`);
  const expected = (what: string) => ({ offset: index, message: `Expected ${what}, found ${found()}` });
  /** At an opening quote: moves past the closing one, or returns the error. */
  const readString = () => {
    index++;
    while (index < length) {
      const code = text.charCodeAt(index);
      if (code === 0x22) {
        index++;
        return undefined;
      }
      if (code < 0x20) return { offset: index, message: `Bad control character '${printable(text[index]!)}' in a string` };
      if (code === 0x5c) {
        const escape = text[index + 1];
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6))) {
            index += 2;
            return expected('4 hexadecimal digits after \\u');
          }
          index += 6;
          continue;
        }
        if (escape === undefined || !'"\\/bfnrt'.includes(escape)) {
          index++;
          return expected('an escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u) after a backslash');
        }
        index += 2;
        continue;
      }
      index++;
    }
    return { offset: index, message: 'Unterminated string: the file ends inside it (cut short?)' };
  };
  const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  let mode: 'value' | 'key' | 'after' = 'value';
  for (;;) {
    skipWhitespace();
    if (mode === 'key') {
      if (text[index] !== '"') return expected('a property name in double quotes');
      const error = readString();
      if (error) return error;
      skipWhitespace();
      if (text[index] !== ':') return expected("':' after a property name");
      index++;
      mode = 'value';
      continue;
    }
    if (mode === 'value') {
      const char = text[index];
      if (char === '{' || char === '[') {
        index++;
        skipWhitespace();
        if (text[index] === (char === '{' ? '}' : ']')) {
          index++;
          mode = 'after';
        } else {
          stack.push(char === '{' ? 'object' : 'array');
          mode = char === '{' ? 'key' : 'value';
        }
        continue;
      }
      if (char === '"') {
        const error = readString();
        if (error) return error;
      } else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
        number.lastIndex = index;
        const match = number.exec(text);
        if (!match || match[0] === '-') return expected('a number');
        index += match[0].length;
      } else {
        const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, index));
        if (!literal) return expected('a value');
        index += literal.length;
      }
      mode = 'after';
      continue;
    }
    const container = stack.at(-1);
    if (container === undefined) return index < length ? expected('the end of the file after the JSON value') : undefined;
    const close = container === 'object' ? '}' : ']';
    if (text[index] === ',') {
      index++;
      mode = container === 'object' ? 'key' : 'value';
    } else if (text[index] === close) {
      index++;
      stack.pop();
    } else {
      return expected(container === 'object' ? "',' or '}' after a property value" : "',' or ']' after an array element");
    }
  }
}

const AWS_CLI_ERROR =
  /^\s*(?:An error occurred \(|aws: (?:error|\[ERROR\])|usage: aws|Unable to locate credentials|Could not connect to the endpoint URL|Error when retrieving (?:credentials|token)|The config profile|Partial credentials found|Provided region_name|Unknown options:|Error parsing parameter|Invalid endpoint:|The SSO session|Token has expired|Error loading SSO Token|Parameter validation failed)/m;

/** What a text that is not JSON is, when it is recognisably something else. */
function describeNonJson(text: string): string | undefined {
  const head = text.slice(0, 4096);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000e-\u001a\u001c-\u001f]/.test(head)) return undefined; // binary: told by the caller, with its bytes
  const error = AWS_CLI_ERROR.exec(head);
  if (error) {
    const start = error.index + error[0].length - error[0].trimStart().length;
    const line = head.slice(start).split(/\r?\n/, 1)[0]!;
    return `an AWS CLI error message, not JSON: ${quote(line, 200)}`;
  }
  const lines = head.split(/\r?\n/).filter((line) => line.trim() !== '');
  const first = lines[0] ?? '';
  if (/^[A-Z][A-Z0-9_]*(\t|$)/.test(first) && head.includes('\t')) return 'text output, not JSON (aws --output text?)';
  if ((/^-{3,}$/.test(first.trim()) && (lines[1] ?? '').trimStart().startsWith('|')) || /^\|.*\|$/.test(first.trim())) {
    return 'table output, not JSON (aws --output table?)';
  }
  if (/^[A-Z][A-Za-z0-9]*:(\s|$)/.test(first)) return 'YAML output, not JSON (aws --output yaml?)';
  return undefined;
}

function describeUnparsable(text: string, bytes: Uint8Array, parseError: unknown): FileContent {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000e-\u001a\u001c-\u001f]/.test(text.slice(0, 4096))) {
    const zip = bytes[0] === 0x50 && bytes[1] === 0x4b ? ' (a zip archive?)' : '';
    return { kind: 'unreadable', location: '$', problem: `binary data, not JSON text${zip}: it starts with the bytes ${hexBytes(bytes)}` };
  }
  const other = describeNonJson(text);
  if (other) return { kind: 'unreadable', location: '$', problem: other };
  const syntax = findJsonSyntaxError(text);
  if (!syntax) return { kind: 'unreadable', location: '$', problem: `not valid JSON: ${printable((parseError as Error).message)}` };
  const { line, column } = lineAndColumn(text, syntax.offset);
  const cutShort = syntax.offset >= text.length ? ' (the file is cut short?)' : '';
  return { kind: 'unreadable', location: `line ${line}, column ${column}`, problem: `not valid JSON: ${syntax.message}${cutShort}` };
}

/**
 * Decodes a file as read from disk. `name` is its file name, which says whether gzip is
 * expected. The plain UTF-8 case decodes the buffer once, as `readFile(…, 'utf8')` would.
 */
export async function decodeSnapshotFile(buffer: Buffer, name: string): Promise<FileContent> {
  const notes: string[] = [];
  let bytes = buffer;
  const namedGz = /\.gz$/i.test(name);
  if (bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) {
    try {
      bytes = await gunzip(bytes);
    } catch (error) {
      return { kind: 'unreadable', location: '$', problem: `gzip data that cannot be decompressed (${printable((error as Error).message)}): cut short?` };
    }
    notes.push(namedGz ? 'is gzip-compressed: decompressed' : 'holds gzip data though named .json: decompressed');
  } else if (namedGz && bytes.length > 0) {
    notes.push('is named .gz but is not compressed: read as it is');
  }
  if (bytes.length === 0) return { kind: 'empty', notes };
  let text: string;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    text = bytes.toString('utf8', 3);
    notes.push('starts with a UTF-8 byte order mark (BOM): skipped');
  } else if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    const littleEndian = bytes[0] === 0xff;
    const encoding = littleEndian ? 'UTF-16LE' : 'UTF-16BE';
    if (bytes.length % 2 !== 0) {
      return { kind: 'unreadable', location: '$', problem: `${encoding} (it starts with a BOM) with an odd number of bytes: cut short?` };
    }
    if (littleEndian) {
      text = bytes.toString('utf16le', 2);
    } else {
      const swapped = Buffer.from(bytes.subarray(2));
      text = swapped.swap16().toString('utf16le');
    }
    notes.push(`is ${encoding} with a byte order mark${littleEndian ? ' (as Windows PowerShell 5.1 `>` writes it)' : ''}: decoded`);
  } else if (bytes.length >= 2 && (bytes[0] === 0) !== (bytes[1] === 0)) {
    const order = bytes[1] === 0 ? 'little-endian' : 'big-endian';
    return {
      kind: 'unreadable',
      location: '$',
      problem: `UTF-16 without a BOM (${order}, it starts with the bytes ${hexBytes(bytes, 4)}): save it as UTF-8, e.g. \`aws … | Out-File -Encoding utf8 file\` in PowerShell`,
    };
  } else {
    text = bytes.toString('utf8');
  }
  if (isWhitespaceOnly(text)) return { kind: 'empty', notes };
  try {
    return { kind: 'json', value: JSON.parse(text), notes };
  } catch (error) {
    return describeUnparsable(text, bytes, error);
  }
}
