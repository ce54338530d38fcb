-- Schema 5: Foreman's `interpolate_erb_in_parameters` setting (on by default, as in Foreman):
-- whether ERB in parameter values is rendered per host or sent as written.
ALTER TABLE settings ADD COLUMN interpolate_erb_in_parameters BOOLEAN NOT NULL DEFAULT TRUE;
-- Foreman's `safemode_render` setting (on by default): ERB in parameters runs in Foreman's
-- safemode jail, which refuses for example `@host.environment`.
ALTER TABLE settings ADD COLUMN safemode_render BOOLEAN NOT NULL DEFAULT TRUE;
-- An operating system's family (Foreman's `type`: Redhat, Debian...), which templates read as
-- `@host.operatingsystem.family`.
ALTER TABLE operatingsystems ADD COLUMN family TEXT;
