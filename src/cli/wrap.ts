/**
 * Line wrapping for the terminal: prose at spaces, and shell commands so that what is
 * printed still pastes into bash as the same command.
 */

function isControl(character: string): boolean {
  const code = character.codePointAt(0)!;
  return code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0) || code === 0x2028 || code === 0x2029;
}

/** Text from the data made safe for a terminal: control characters (escapes, newlines) become spaces. */
export function printable(text: string): string {
  let clean = true;
  for (const character of text) if (isControl(character)) clean = false;
  return clean ? text : [...text].map((character) => (isControl(character) ? ' ' : character)).join('');
}

/**
 * The pieces a word too long for a line may be broken into: after a `.`, `/`, `:`, `,`,
 * `;` or `=`, so that `com.amazonaws.vpce.us-east-1.vpce-svc-0e61…` breaks before its
 * `vpce-svc-…` id and an ARN after its `:` and `/`, never inside an id (ids hold none of these).
 */
export function wordPieces(word: string): string[] {
  return word.match(/[^./:,;=]*(?:[./:,;=]+|$)/g)!.filter((piece) => piece !== '');
}

/**
 * Prose wrapped at spaces to `width` columns: the first line starts with `first`, the
 * others with `rest` (an indent). Spaces between words are kept (two spaces stay two). A
 * word longer than a line starts a line and breaks between its pieces (see wordPieces),
 * never inside an id; a piece longer than what the indent leaves starts further left; only a
 * piece longer than the whole width (no id is) is cut.
 */
export function wrapText(text: string, width: number, first: string, rest = ' '.repeat(first.length)): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const newLine = () => {
    lines.push(line);
    line = rest;
    empty = true;
  };
  // Words, each with the spaces before it.
  const words = [
    ...printable(text)
      .trim()
      .matchAll(/( *)([^ ]+)/g),
  ].map((match) => ({ gap: match[1]!, word: match[2]! }));
  for (const { gap, word } of words) {
    const separator = empty ? '' : gap;
    if (line.length + separator.length + word.length <= width) {
      line += separator + word;
      empty = false;
      continue;
    }
    // On the next line; longer than a line, in pieces from there.
    if (!empty) newLine();
    if (line.length + word.length <= width) {
      line += word;
      empty = false;
      continue;
    }
    for (const piece of wordPieces(word)) {
      if (!empty && line.length + piece.length > width) newLine();
      if (empty && line.length + piece.length > width) {
        // Less indent: the piece whole from further left, or (longer than a line) cut.
        line = line.slice(0, Math.max(0, width - piece.length));
        let remaining = piece;
        while (line.length + remaining.length > width) {
          const room = Math.max(1, width - line.length);
          lines.push(line + remaining.slice(0, room));
          remaining = remaining.slice(room);
          line = '';
        }
        line += remaining;
      } else {
        line += piece;
      }
      empty = false;
    }
  }
  lines.push(line);
  return lines;
}

/** The words of a command as bash splits it, each as written (quotes kept): spaces outside quotes separate them. */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let quoted = false;
  for (let index = 0; index < command.length; index++) {
    const character = command[index]!;
    if (quoted) {
      if (character === "'") quoted = false;
      word += character;
    } else if (character === "'") {
      quoted = true;
      word += character;
    } else if (character === '\\' && index + 1 < command.length) {
      word += character + command[++index]!;
    } else if (character === ' ') {
      if (word !== '') words.push(word);
      word = '';
    } else {
      word += character;
    }
  }
  if (word !== '') words.push(word);
  return words;
}

/**
 * A single-quoted JSON word (`'[{"a":1,"b":2}]'`) cut after the commas between JSON
 * values: a newline and spaces there stay inside the quotes and are JSON whitespace, so
 * the program reads the same value. Undefined for any other word.
 */
function jsonPieces(word: string): string[] | undefined {
  if (word.length < 3 || !word.startsWith("'") || !word.endsWith("'")) return undefined;
  const body = word.slice(1, -1);
  if (body.includes("'") || !/^[[{]/.test(body)) return undefined;
  try {
    JSON.parse(body);
  } catch {
    return undefined;
  }
  const pieces: string[] = [];
  let start = 0;
  let inString = false;
  for (let index = 0; index < body.length; index++) {
    const character = body[index]!;
    if (inString) {
      if (character === '\\') index++;
      else if (character === '"') inString = false;
    } else if (character === '"') {
      inString = true;
    } else if (character === ',') {
      pieces.push(body.slice(start, index + 1));
      start = index + 1;
    }
  }
  pieces.push(body.slice(start));
  pieces[0] = `'${pieces[0]!}`;
  pieces[pieces.length - 1] = `${pieces[pieces.length - 1]!}'`;
  return pieces;
}

/**
 * A word too long for any line, cut into the same word: `'abc'\⏎'def'` inside quotes,
 * `abc\⏎def` outside them. The rest of the word starts at column 0, as it must: spaces
 * after the line break would split the word.
 */
function cutWord(word: string, room: number, width: number, startsQuoted = false): string[] {
  const lines: string[] = [];
  let line = '';
  let quoted = startsQuoted;
  let limit = Math.max(8, room);
  // Where the line can be cut best: after a `/`, `:`, `,`, `=` or a quoted space (in the same quoting as now).
  let boundary = -1;
  for (let index = 0; index < word.length; index++) {
    const character = word[index]!;
    // An escape (`\'`) is never cut in two.
    const unit = !quoted && character === '\\' ? character + (word[++index] ?? '') : character;
    if (line.length + unit.length + 2 > limit && line !== '' && !(line === "'" && quoted)) {
      // The last boundary when it leaves half a line, or when the cut would split a name or id.
      const splits = /[\w-]$/.test(line) && /^[\w-]/.test(unit);
      const at = boundary > line.length / 2 || (splits && boundary > 0) ? boundary : line.length;
      const [head, tail] = [line.slice(0, at), line.slice(at)];
      if (quoted) {
        lines.push(`${head}'\\`);
        line = `'${tail}`;
      } else {
        lines.push(`${head}\\`);
        line = tail;
      }
      limit = width;
      boundary = -1;
    }
    if (character === "'") {
      quoted = !quoted;
      boundary = -1;
    }
    line += unit;
    if ('/:,='.includes(character) || (quoted && character === ' ')) boundary = line.length;
  }
  lines.push(line);
  return lines;
}

/**
 * A shell command laid out within `width` columns: words move to the next line after
 * ` \`, indented by `rest`; a JSON argument breaks after its commas, inside its quotes.
 * Pasted into bash, the lines run the command as it was given.
 */
export function wrapCommand(command: string, width: number, first: string, rest = `${' '.repeat(first.length)}  `): string[] {
  const words = shellWords(printable(command));
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const breakLine = () => {
    lines.push(`${line} \\`);
    line = rest;
    empty = true;
  };
  /** Places one word: on this line, on the next, or cut (a JSON argument after its commas). */
  const place = (word: string, last: boolean) => {
    const reserve = last ? 0 : 2;
    const separator = empty ? '' : ' ';
    if (line.length + separator.length + word.length + reserve <= width) {
      line += separator + word;
      empty = false;
      return;
    }
    if (!empty && rest.length + word.length + reserve <= width) {
      breakLine();
      line += word;
      empty = false;
      return;
    }
    const pieces = jsonPieces(word);
    if (pieces) {
      if (!empty && line.length + 1 + pieces[0]!.length > width) breakLine();
      line += empty ? '' : ' ';
      const inner = `${rest}  `;
      let started = false;
      pieces.forEach((piece, pieceIndex) => {
        const room = pieceIndex === pieces.length - 1 ? reserve : 0;
        if (started && line.length + piece.length + room > width) {
          lines.push(line);
          line = inner;
        }
        if (line.length + piece.length + room > width) {
          const cut = cutWord(piece, width - line.length, width, pieceIndex > 0);
          lines.push(line + cut[0]!, ...cut.slice(1, -1));
          line = cut[cut.length - 1]!;
        } else {
          line += piece;
        }
        started = true;
      });
      empty = false;
      return;
    }
    // A word that fits on a line of its own with less indent: any spaces separate words.
    if (word.length + reserve <= width) {
      if (!empty) breakLine();
      line = ' '.repeat(Math.min(rest.length, width - word.length - reserve)) + word;
      empty = false;
      return;
    }
    if (!empty && line.length + 1 + 8 > width) breakLine();
    const cut = cutWord(word, width - line.length - (empty ? 0 : 1) - reserve, width - reserve);
    lines.push(line + (empty ? '' : ' ') + cut[0]!, ...cut.slice(1, -1));
    line = cut[cut.length - 1]!;
    empty = false;
  };
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    const value = words[index + 1];
    // An option and its value stay on one line when they fit on one.
    if (word.startsWith('--') && value !== undefined && !value.startsWith('--')) {
      const pair = `${word} ${value}`;
      const reserve = index + 1 === words.length - 1 ? 0 : 2;
      const fits = line.length + (empty ? 0 : 1) + pair.length + reserve <= width;
      if (!fits && !empty && rest.length + pair.length + reserve <= width) {
        breakLine();
        line += pair;
        empty = false;
        index++;
        continue;
      }
    }
    place(word, index === words.length - 1);
  }
  lines.push(line);
  return lines;
}
