// Entry point for `pulumi up -s <stack>`: which side is built comes from the stack's config (bedrock-bridge:side).
import { main } from "./program";

export = main;
