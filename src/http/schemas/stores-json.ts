import Type from 'typebox';

/**
 * The stores' state as `GET /health/ready` and `GET /api/v1/ai/status` describe it (`storeStatus()`
 * in snake_case): which backend holds the context and the database, Redis up/down/off, and whether
 * the community config and the interaction log run on their fallback (`degraded`).
 */
export const StoresJson = Type.Object({
  context: Type.Enum(['redis', 'memory']),
  redis: Type.Enum(['up', 'down', 'off']),
  database: Type.Enum(['postgres', 'pglite', 'memory']),
  community_config: Type.Enum(['ok', 'degraded']),
  interaction_log: Type.Enum(['ok', 'degraded']),
});
