-- Sign-in attempts admitted but not yet decided (their password is being checked). Admission
-- counts them with the failures, so a burst of guesses never gets more checks than the
-- threshold, while right passwords leave no failure behind. Failures are forgotten
-- login.failure_window after the last one (not after the last attempt of any kind).
alter table login_failures add column in_flight integer not null default 0;
alter table login_failures add column last_failure_at timestamptz;
update login_failures set last_failure_at = updated_at where failures > 0;
