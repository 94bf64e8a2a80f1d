-- 002_platform_channels: channels added at run time (Twitch joins through the admin API), so that
-- a restart joins them again. Channels from TWITCH_CHANNELS are not stored here.
CREATE TABLE platform_channels (
  platform text NOT NULL,
  channel text NOT NULL,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, channel)
);
