// The conversation a session keeps, and the part of it that fits the stack's request model: at most maxPriorTurns
// (prompt, answer) pairs, the most recent ones, each message 1..maxTurnChars characters, alternating user/assistant.
import type { ChatLimits, HistoryMessage } from "./types";

export interface Turn {
    prompt: string;
    answer: string;
}

/** What to send with the next prompt. Turns whose answer was empty are left out (the model demands non-empty). */
export function historyFor(turns: readonly Turn[], limits: ChatLimits): HistoryMessage[] {
    if (limits.maxPriorTurns <= 0) return [];
    const usable = turns.filter(t => t.prompt.trim() && t.answer.trim());
    const recent = usable.slice(Math.max(0, usable.length - limits.maxPriorTurns));
    return recent.flatMap(t => [
        { role: "user" as const, content: fit(t.prompt, limits.maxTurnChars) },
        { role: "assistant" as const, content: fit(t.answer, limits.maxTurnChars) },
    ]);
}

/** A long message keeps its beginning (where an answer states its point) and says it was shortened. */
function fit(text: string, max: number): string {
    if (text.length <= max) return text;
    const mark = " [...]";
    if (max <= mark.length) return text.slice(0, max);
    // .length counts UTF-16 units, never fewer than the characters a validator counts; never split a surrogate pair.
    let cut = max - mark.length;
    const code = text.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut--;
    return text.slice(0, cut) + mark;
}

/** Why a prompt cannot be sent, or undefined when it fits the stack's limits. */
export function promptProblem(prompt: string, limits: ChatLimits): string | undefined {
    if (!prompt.trim()) return "The prompt is empty.";
    if (prompt.length < limits.minPromptChars) return `The prompt is shorter than ${limits.minPromptChars} characters.`;
    if (prompt.length > limits.maxPromptChars)
        return `The prompt has ${prompt.length} characters; this stack accepts at most ${limits.maxPromptChars}.`;
    return undefined;
}
