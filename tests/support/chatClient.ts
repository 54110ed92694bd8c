// What the chat client's tests (tests/client/) share: the ChatError a promise rejects with.
import { strict as assert } from "assert";
import { isChatError, type ChatError } from "../../client";

/** The ChatError `p` rejects with; fails when it resolves or rejects with anything else. */
export async function chatRejection(p: Promise<unknown>): Promise<ChatError> {
    try {
        await p;
    } catch (e) {
        assert.ok(isChatError(e), `a ChatError, got ${String(e)}`);
        return e;
    }
    assert.fail("expected a rejection");
}
