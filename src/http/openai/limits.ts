/**
 * How deep and how big a `POST /v1/chat/completions` body may be. Each limit sits well above what a
 * real client sends and well below what could hurt us (a body of 5,000–10,000 levels overflowed the
 * stack while the provider's request was serialized). Past a limit, the request is refused with a
 * 400 naming the field (see chat-request.ts). The body as a whole is capped at 1 MiB by fastify
 * (`bodyLimit` in app.ts), which bounds the rest.
 */
export const CHAT_REQUEST_LIMITS = {
  /**
   * JSON nesting, counted from the body (the body is level 1, `tools` level 2, `parameters` level 5).
   * OpenAI's structured outputs allow 10 levels of schema nesting, about 20 JSON levels (each level
   * is a schema object under `properties.<name>`); tool schemas in real use stay within 10–20.
   */
  maxDepth: 64,
  /** Tools per request: OpenAI's own limit ("A max of 128 functions are supported", chat API reference). */
  maxTools: 128,
  /**
   * Messages per request. OpenAI documents none; a conversation is trimmed to the model's context
   * (128k tokens is a few thousand short turns) long before this many.
   */
  maxMessages: 10_000,
  /**
   * Object properties in one JSON schema (a tool's `parameters`, `response_format.json_schema.schema`),
   * counted at every level: OpenAI's structured outputs allow 5,000 in total.
   */
  maxSchemaProperties: 5_000,
} as const;
