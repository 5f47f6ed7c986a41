//! The admins: one list that a config reload replaces, and the one way
//! anything in vigia tells them something.

use std::sync::{Arc, RwLock};

use chrono::Utc;
use tokio::sync::Notify;

use crate::store::{Store, StoreError};

/// Who the admins are: one list, replaced by a config reload, read by the
/// notices and by the command loop's authorisation alike.
#[derive(Clone, Default)]
pub struct Admins(Arc<RwLock<Vec<i64>>>);

impl Admins {
    pub fn new(ids: Vec<i64>) -> Self {
        Admins(Arc::new(RwLock::new(ids)))
    }

    pub fn get(&self) -> Vec<i64> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set(&self, ids: Vec<i64>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = ids;
    }

    pub fn contains(&self, id: i64) -> bool {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&id)
    }
}

/// Queues a notice to the current admins and wakes delivery; without
/// admins, logs it. The one way anything tells the admins.
pub async fn tell_admins(
    store: &Arc<Store>,
    admins: &Admins,
    wake: &Notify,
    text: String,
) -> Result<(), StoreError> {
    let admins = admins.get();
    if admins.is_empty() {
        tracing::warn!(notice = %text, "no telegram.admins to tell");
        return Ok(());
    }
    store
        .call(move |s| s.notice(&admins, &text, Utc::now()))
        .await?;
    wake.notify_one();
    Ok(())
}
