//! Signing keys through the admin API: listed, and rotated as `portcullis keys rotate` does (a
//! successor is published at once and signs once every cached JWKS has it).

use super::{Admin, AdminError, Caller};
use crate::crypto::key_ring::KeyStatus;
use crate::domain::Permission;

impl Admin {
    pub async fn keys(&self, caller: &Caller) -> Result<Vec<KeyStatus>, AdminError> {
        caller.require(Permission::KeysManage)?;
        let now = self.0.clock.now();
        let ring = self.0.rotation.load(now).await.map_err(internal)?;
        Ok(ring.statuses(now))
    }

    /// Starts a successor for every algorithm (unless one is waiting); the new kids.
    pub async fn rotate_keys(&self, caller: &Caller) -> Result<Vec<String>, AdminError> {
        caller.require(Permission::KeysManage)?;
        let created = self
            .0
            .rotation
            .rotate(self.0.clock.now(), true, &caller.audit_actor())
            .await
            .map_err(internal)?;
        tracing::info!(created = ?created, "signing keys rotated through the admin API");
        Ok(created)
    }
}

fn internal(error: crate::jobs::key_rotation::KeyRotationError) -> AdminError {
    match error {
        crate::jobs::key_rotation::KeyRotationError::Store(store) => store.into(),
        other => AdminError::Internal(Box::new(other)),
    }
}
