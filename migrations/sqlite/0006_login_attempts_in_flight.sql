-- Sign-in attempts admitted but not yet decided (their password is being checked). Admission
-- counts them with the failures, so a burst of guesses never gets more checks than the
-- threshold, while right passwords leave no failure behind.
alter table login_failures add column in_flight integer not null default 0;
