/** Tokens of the KQL subset: names, literals (strings, numbers, timespans, datetimes) and operators. */
import { KqlError, type KqlPosition } from "./errors.ts";

export type TokenType = "ident" | "string" | "number" | "timespan" | "datetime" | "op" | "eof";

export interface Token {
  type: TokenType;
  /** Identifier or operator text; a string literal's value; a datetime literal's raw text. */
  text: string;
  /** For numbers: the value. For timespans: milliseconds. */
  value?: number;
  /** Offset in the query text. */
  offset: number;
  /** Whether whitespace or a comment came right before this token (`project-away` needs none). */
  spaced: boolean;
}

const TIMESPAN_UNITS: Record<string, number> = {
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  ms: 1,
  milli: 1,
  millis: 1,
  millisecond: 1,
  milliseconds: 1,
};

/** Tabular operators whose names have a hyphen (lexed as one name when written without spaces). */
const HYPHENATED = new Set([
  "project-away",
  "project-rename",
  "project-keep",
  "project-reorder",
  "mv-expand",
  "mv-apply",
  "make-series",
  "top-nested",
]);

const SYMBOLS = [
  "==",
  "!=",
  "=~",
  "!~",
  "<=",
  ">=",
  "<>",
  "<",
  ">",
  "=",
  "(",
  ")",
  "[",
  "]",
  ",",
  ".",
  "|",
  "+",
  "-",
  "*",
  "/",
  "%",
  ";",
  "{",
  "}",
  ":",
];

const isIdentStart = (c: string): boolean => /[A-Za-z_$]/.test(c);
const isIdentPart = (c: string): boolean => /[A-Za-z0-9_$]/.test(c);
const isDigit = (c: string): boolean => c >= "0" && c <= "9";

export function positionOf(text: string, offset: number): KqlPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i += 1) {
    if (text[i] === "\n") {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart };
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let spaced = true;
  const fail = (message: string, at: number): never => {
    throw new KqlError("ParserFailure", message, positionOf(text, at), text.slice(at, at + 1));
  };

  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i += 1;
      spaced = true;
      continue;
    }
    if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i += 1;
      spaced = true;
      continue;
    }
    const start = i;

    // Strings: '...' or "..." with backslash escapes, @'...' verbatim (quotes doubled).
    if (c === "'" || c === '"' || (c === "@" && (text[i + 1] === "'" || text[i + 1] === '"'))) {
      const verbatim = c === "@";
      if (verbatim) i += 1;
      const quote = text[i] as string;
      i += 1;
      let value = "";
      for (;;) {
        if (i >= text.length) fail("Unterminated string literal", start);
        const ch = text[i] as string;
        if (ch === "\n") fail("Unterminated string literal", start);
        if (verbatim) {
          if (ch === quote) {
            if (text[i + 1] === quote) {
              value += quote;
              i += 2;
              continue;
            }
            i += 1;
            break;
          }
          value += ch;
          i += 1;
          continue;
        }
        if (ch === "\\") {
          const next = text[i + 1];
          const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', "0": "\0" };
          if (next === undefined || escapes[next] === undefined) fail("Invalid escape sequence in string literal", i);
          value += escapes[next as string] as string;
          i += 2;
          continue;
        }
        if (ch === quote) {
          i += 1;
          break;
        }
        value += ch;
        i += 1;
      }
      tokens.push({ type: "string", text: value, offset: start, spaced });
      spaced = false;
      continue;
    }

    // Numbers, and timespans such as 7d, 1.5h, 30m, 100ms.
    if (isDigit(c) || (c === "." && isDigit(text[i + 1] ?? ""))) {
      while (isDigit(text[i] ?? "")) i += 1;
      if (text[i] === "." && isDigit(text[i + 1] ?? "")) {
        i += 1;
        while (isDigit(text[i] ?? "")) i += 1;
      }
      if (
        (text[i] === "e" || text[i] === "E") &&
        (isDigit(text[i + 1] ?? "") || ((text[i + 1] === "+" || text[i + 1] === "-") && isDigit(text[i + 2] ?? "")))
      ) {
        i += 2;
        while (isDigit(text[i] ?? "")) i += 1;
      }
      const numberText = text.slice(start, i);
      let unitEnd = i;
      while (isIdentPart(text[unitEnd] ?? "")) unitEnd += 1;
      if (unitEnd > i) {
        const unit = text.slice(i, unitEnd);
        const scale = TIMESPAN_UNITS[unit];
        if (scale === undefined) fail(`Unknown timespan unit '${unit}'`, i);
        tokens.push({
          type: "timespan",
          text: text.slice(start, unitEnd),
          value: Number(numberText) * (scale as number),
          offset: start,
          spaced,
        });
        i = unitEnd;
      } else {
        tokens.push({ type: "number", text: numberText, value: Number(numberText), offset: start, spaced });
      }
      spaced = false;
      continue;
    }

    // Names; `!` or a trailing `~` attach to operator words (!contains, in~, !in~, !has).
    if (isIdentStart(c) || (c === "!" && isIdentStart(text[i + 1] ?? ""))) {
      i += 1;
      while (isIdentPart(text[i] ?? "")) i += 1;
      // project-away, mv-expand: a hyphen between letters with no spaces.
      if (text[i] === "-" && isIdentStart(text[i + 1] ?? "")) {
        let end = i + 1;
        while (isIdentPart(text[end] ?? "")) end += 1;
        if (HYPHENATED.has(text.slice(start, end))) i = end;
      }
      if (text[i] === "~" && /^!?in$/.test(text.slice(start, i))) i += 1;
      const word = text.slice(start, i);
      // datetime(2024-01-01T00:00:00Z): the argument is raw text, not an expression.
      if (word === "datetime" && text[i] === "(") {
        const close = text.indexOf(")", i);
        if (close < 0) fail("Unterminated datetime literal", start);
        let raw = text.slice(i + 1, close).trim();
        if ((raw.startsWith("'") && raw.endsWith("'")) || (raw.startsWith('"') && raw.endsWith('"'))) raw = raw.slice(1, -1);
        tokens.push({ type: "datetime", text: raw, offset: start, spaced });
        i = close + 1;
        spaced = false;
        continue;
      }
      tokens.push({ type: "ident", text: word, offset: start, spaced });
      spaced = false;
      continue;
    }

    const symbol = SYMBOLS.find((candidate) => text.startsWith(candidate, i));
    if (symbol === undefined) fail(`Unexpected character '${c}'`, i);
    tokens.push({ type: "op", text: symbol as string, offset: start, spaced });
    i += (symbol as string).length;
    spaced = false;
  }
  tokens.push({ type: "eof", text: "<EOF>", offset: text.length, spaced: true });
  return tokens;
}
