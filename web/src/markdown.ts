// Answers are Markdown (what models write): marked turns them into HTML, and DOMPurify (sanitize.ts) keeps only
// the elements Markdown makes before any of it reaches the page. This half has no DOM, so tests can run it in Node.
import { Marked } from "marked";

const escapeHtml = (s: string) =>
    s.replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const md = new Marked({
    gfm: true,
    // A single newline in an answer is a new line, as it was when answers were plain text.
    breaks: true,
    renderer: {
        // HTML in an answer is shown as the text the model wrote, never parsed: an answer about `<script>` shows it.
        html: ({ text }) => escapeHtml(text),
        // An image would be fetched the moment it is shown: a prompt injection could put what the conversation
        // holds into its URL. It becomes a link the user may follow instead.
        image: ({ href, text }) => `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`,
        // Task lists as text: the page has no use for (disabled) form controls inside an answer.
        checkbox: ({ checked }) => (checked ? "[x] " : "[ ] "),
    },
});

/** The HTML of a Markdown answer, complete or cut off mid-stream; not yet sanitized (see sanitize.ts). */
export function markdownToHtml(markdown: string): string {
    return md.parse(markdown, { async: false }).trim();
}
