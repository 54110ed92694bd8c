// What an answer may put on the page: the elements and attributes Markdown makes, nothing else. The renderer
// (markdown.ts) already shows raw HTML as text; this is the second wall, for whatever gets past it (a javascript:
// link is valid Markdown, for one). DOMPurify is the sanitizer OWASP's XSS prevention cheat sheet recommends.
import DOMPurify from "dompurify";
import { markdownToHtml } from "./markdown";

const purify = DOMPurify(window);
const CONFIG = {
    ALLOWED_TAGS: [
        ...["p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code"],
        ...["strong", "em", "del", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td"],
    ],
    ALLOWED_ATTR: ["href", "title", "start", "align"],
    // No id, class, style, data-* or aria-*: an answer cannot restyle the page or pose as its own elements.
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    // Links leave for the web or a mail program, nothing else (no javascript:, data:, relative paths).
    ALLOWED_URI_REGEXP: /^(?:https?|mailto):/i,
    RETURN_DOM_FRAGMENT: true as const,
};
purify.addHook("afterSanitizeAttributes", node => {
    // A link opens beside the conversation, and the page it opens gets no handle on this one.
    if (node.tagName === "A" && node.hasAttribute("href")) {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer");
    }
});

/** Shows a Markdown answer (complete or still growing) in `el`, replacing what it showed. */
export function showMarkdown(el: HTMLElement, markdown: string): void {
    el.replaceChildren(purify.sanitize(markdownToHtml(markdown), CONFIG));
}
