// Byte sizes of text as it travels inside a JSON string (UTF-8 after JSON.stringify's escaping), and where to cut
// text so a piece fits a byte budget without splitting a character. No Pulumi imports.

/** Bytes one UTF-16 code unit (or a surrogate pair starting at i) takes in a JSON string; [bytes, code units]. */
function unitAt(text: string, i: number): [number, number] {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) return [2, 1]; // \" and \\
    if (c < 0x20) return [c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6, 1]; // \n or \u0001
    if (c < 0x80) return [1, 1];
    if (c < 0x800) return [2, 1];
    if (c >= 0xd800 && c <= 0xdbff) {
        const d = text.charCodeAt(i + 1);
        // A pair is one code point, 4 bytes in UTF-8, and must stay together.
        if (d >= 0xdc00 && d <= 0xdfff) return [4, 2];
        return [6, 1]; // a lone surrogate: JSON.stringify writes \udXXX
    }
    if (c >= 0xdc00 && c <= 0xdfff) return [6, 1];
    return [3, 1];
}

/** UTF-8 bytes of `text` once escaped inside a JSON string (without the quotes). */
export function jsonStringBytes(text: string): number {
    let n = 0;
    for (let i = 0; i < text.length;) {
        const [b, u] = unitAt(text, i);
        n += b;
        i += u;
    }
    return n;
}

/** The longest prefix length of `text` whose JSON-escaped UTF-8 size is at most maxBytes; never inside a
 * surrogate pair. At least one character, so a caller always makes progress. */
export function cutForBytes(text: string, maxBytes: number): number {
    let n = 0;
    let i = 0;
    while (i < text.length) {
        const [b, u] = unitAt(text, i);
        if (n + b > maxBytes) break;
        n += b;
        i += u;
    }
    return i > 0 ? i : Math.min(text.length, unitAt(text, 0)[1]);
}
