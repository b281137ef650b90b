-- A site's screen mapping (docs/native-screens.md): how the SDK draws and
-- masks a screen an app describes as a view tree. Compact JSON, validated
-- by internal/screenmap; empty for none (the SDK's default mapping).
ALTER TABLE sites ADD COLUMN screen_mapping TEXT NOT NULL DEFAULT '';
