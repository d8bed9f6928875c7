-- Timestamps in one fixed-width, sortable UTC text form (2026-12-01T10:00:00.123456Z), as the
-- server now writes them (src/store/timestamp.rs), so that `expires_at <= ?` compares correctly
-- as text and uses the expires_at indexes. Earlier rows were RFC 3339 with the fraction's trailing
-- zeros cut, always in UTC ("Z").
update users set
    created_at = case when created_at is null then null else substr(created_at, 1, 10) || 'T' || substr(created_at, 12, 8) || '.' || substr((case when substr(created_at, 20, 1) = '.' then rtrim(substr(created_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end,
    updated_at = case when updated_at is null then null else substr(updated_at, 1, 10) || 'T' || substr(updated_at, 12, 8) || '.' || substr((case when substr(updated_at, 20, 1) = '.' then rtrim(substr(updated_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end;
update roles set
    created_at = case when created_at is null then null else substr(created_at, 1, 10) || 'T' || substr(created_at, 12, 8) || '.' || substr((case when substr(created_at, 20, 1) = '.' then rtrim(substr(created_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end;
update user_roles set
    created_at = case when created_at is null then null else substr(created_at, 1, 10) || 'T' || substr(created_at, 12, 8) || '.' || substr((case when substr(created_at, 20, 1) = '.' then rtrim(substr(created_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end;
update clients set
    created_at = case when created_at is null then null else substr(created_at, 1, 10) || 'T' || substr(created_at, 12, 8) || '.' || substr((case when substr(created_at, 20, 1) = '.' then rtrim(substr(created_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end,
    updated_at = case when updated_at is null then null else substr(updated_at, 1, 10) || 'T' || substr(updated_at, 12, 8) || '.' || substr((case when substr(updated_at, 20, 1) = '.' then rtrim(substr(updated_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end;
update signing_keys set
    created_at = case when created_at is null then null else substr(created_at, 1, 10) || 'T' || substr(created_at, 12, 8) || '.' || substr((case when substr(created_at, 20, 1) = '.' then rtrim(substr(created_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end,
    activates_at = case when activates_at is null then null else substr(activates_at, 1, 10) || 'T' || substr(activates_at, 12, 8) || '.' || substr((case when substr(activates_at, 20, 1) = '.' then rtrim(substr(activates_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end;
update revoked_access_tokens set
    expires_at = case when expires_at is null then null else substr(expires_at, 1, 10) || 'T' || substr(expires_at, 12, 8) || '.' || substr((case when substr(expires_at, 20, 1) = '.' then rtrim(substr(expires_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end;
update browser_sessions set
    expires_at = case when expires_at is null then null else substr(expires_at, 1, 10) || 'T' || substr(expires_at, 12, 8) || '.' || substr((case when substr(expires_at, 20, 1) = '.' then rtrim(substr(expires_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end;
update grants set
    auth_time = case when auth_time is null then null else substr(auth_time, 1, 10) || 'T' || substr(auth_time, 12, 8) || '.' || substr((case when substr(auth_time, 20, 1) = '.' then rtrim(substr(auth_time, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end,
    created_at = case when created_at is null then null else substr(created_at, 1, 10) || 'T' || substr(created_at, 12, 8) || '.' || substr((case when substr(created_at, 20, 1) = '.' then rtrim(substr(created_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end,
    expires_at = case when expires_at is null then null else substr(expires_at, 1, 10) || 'T' || substr(expires_at, 12, 8) || '.' || substr((case when substr(expires_at, 20, 1) = '.' then rtrim(substr(expires_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end,
    revoked_at = case when revoked_at is null then null else substr(revoked_at, 1, 10) || 'T' || substr(revoked_at, 12, 8) || '.' || substr((case when substr(revoked_at, 20, 1) = '.' then rtrim(substr(revoked_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end;
update authorization_codes set
    auth_time = case when auth_time is null then null else substr(auth_time, 1, 10) || 'T' || substr(auth_time, 12, 8) || '.' || substr((case when substr(auth_time, 20, 1) = '.' then rtrim(substr(auth_time, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end,
    created_at = case when created_at is null then null else substr(created_at, 1, 10) || 'T' || substr(created_at, 12, 8) || '.' || substr((case when substr(created_at, 20, 1) = '.' then rtrim(substr(created_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end,
    expires_at = case when expires_at is null then null else substr(expires_at, 1, 10) || 'T' || substr(expires_at, 12, 8) || '.' || substr((case when substr(expires_at, 20, 1) = '.' then rtrim(substr(expires_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end,
    consumed_at = case when consumed_at is null then null else substr(consumed_at, 1, 10) || 'T' || substr(consumed_at, 12, 8) || '.' || substr((case when substr(consumed_at, 20, 1) = '.' then rtrim(substr(consumed_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end;
update refresh_tokens set
    created_at = case when created_at is null then null else substr(created_at, 1, 10) || 'T' || substr(created_at, 12, 8) || '.' || substr((case when substr(created_at, 20, 1) = '.' then rtrim(substr(created_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end,
    expires_at = case when expires_at is null then null else substr(expires_at, 1, 10) || 'T' || substr(expires_at, 12, 8) || '.' || substr((case when substr(expires_at, 20, 1) = '.' then rtrim(substr(expires_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end,
    consumed_at = case when consumed_at is null then null else substr(consumed_at, 1, 10) || 'T' || substr(consumed_at, 12, 8) || '.' || substr((case when substr(consumed_at, 20, 1) = '.' then rtrim(substr(consumed_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end;
update consents set
    granted_at = case when granted_at is null then null else substr(granted_at, 1, 10) || 'T' || substr(granted_at, 12, 8) || '.' || substr((case when substr(granted_at, 20, 1) = '.' then rtrim(substr(granted_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end;
update login_failures set
    locked_until = case when locked_until is null then null else substr(locked_until, 1, 10) || 'T' || substr(locked_until, 12, 8) || '.' || substr((case when substr(locked_until, 20, 1) = '.' then rtrim(substr(locked_until, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end,
    updated_at = case when updated_at is null then null else substr(updated_at, 1, 10) || 'T' || substr(updated_at, 12, 8) || '.' || substr((case when substr(updated_at, 20, 1) = '.' then rtrim(substr(updated_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end,
    last_failure_at = case when last_failure_at is null then null else substr(last_failure_at, 1, 10) || 'T' || substr(last_failure_at, 12, 8) || '.' || substr((case when substr(last_failure_at, 20, 1) = '.' then rtrim(substr(last_failure_at, 21), 'Z') else '' end) || '000000', 1, 6) || 'Z' end;
