/** The API's answers as the console reads them (snake_case, as chatgate sends them). */

export interface ProviderStatus {
  provider: string;
  endpoint: string;
  breaker: 'closed' | 'open' | 'half_open' | string;
  health: { checked_at: string; latency_ms: number; result: 'up' | 'down'; error: string | null } | null;
}

export interface Status {
  mode: 'remote' | 'local' | 'hybrid';
  providers: ProviderStatus[];
  queue: {
    backend: string;
    size: number;
    running: number;
    max_size: number;
    concurrency: number;
    failed: { count: number | null };
  };
  stores: Record<string, string>;
  platforms: { platform: string; status: string; last_event_at: string | null; error: string | null }[];
  uptime_s: number;
}

export interface Scope {
  kind: 'admin' | 'client';
  community_id: string | null;
  read_only: boolean;
}

export interface Interaction {
  interaction_id: string;
  status: 'queued' | 'running' | 'done' | 'failed' | 'ignored' | 'rejected';
  trigger: string | null;
  reason: string | null;
  reply: {
    text: string;
    mode: string;
    provider: string;
    model: string;
    service_status: string;
    fallback_reason: string | null;
    processing_time_ms: number;
    /** What the model was sent; null for chatgate's own notices. */
    prompt: { messages: number; chars: number; tokens: number | null } | null;
    blocked: string | null;
  } | null;
  created_at: string;
  completed_at: string | null;
  event: {
    id: string;
    platform: string;
    type: string;
    community_id: string;
    channel_id: string;
    text: string;
    user: { id: string; login: string; display_name: string; roles: string[]; is_bot: boolean };
    received_at: string;
  };
}

export interface Snapshot {
  scope: Scope;
  status: Status;
  channels: Record<string, string[]>;
  communities: { community_id: string; paused: boolean }[];
  interactions: Interaction[];
}
