//! Shared state behind every route: configuration, storage, the URL signer, faults
//! and counters. Cloning is cheap (one `Arc`).

use std::sync::Arc;

use crate::config::Config;
use crate::faults::Faults;
use crate::outcome::Outcome;
use crate::signing::{KeyError, Signer};
use crate::smart::Smart;
use crate::stats::Stats;
use crate::storage::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("could not open the data store: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] KeyError),
}

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    store: Arc<Store>,
    signer: Signer,
    faults: Faults,
    stats: Arc<Stats>,
    smart: Smart,
}

impl AppState {
    /// Opens the data directory and makes a fresh URL-signing key.
    pub fn new(config: Config) -> Result<Self, StateError> {
        let store = Arc::new(Store::open(&config.data_dir)?);
        let smart = Smart::new(config.smart_token_ttl);
        Ok(Self {
            inner: Arc::new(Inner {
                smart,
                config,
                store,
                signer: Signer::random()?,
                faults: Faults::default(),
                stats: Arc::new(Stats::default()),
            }),
        })
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn signer(&self) -> &Signer {
        &self.inner.signer
    }

    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    pub fn stats(&self) -> &Arc<Stats> {
        &self.inner.stats
    }

    /// The dev-only SMART authorization server's grants and tokens.
    pub fn smart(&self) -> &Smart {
        &self.inner.smart
    }

    /// Runs a blocking storage call off the async workers; any failure becomes a 500
    /// OperationOutcome saying the data store failed.
    pub async fn db<T, F>(&self, call: F) -> Result<T, Outcome>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = Arc::clone(&self.inner.store);
        match tokio::task::spawn_blocking(move || call(&store)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(Outcome::internal(format!(
                "The data store failed ({err}); the request was not completed."
            ))),
            Err(err) => Err(Outcome::internal(format!(
                "The data store task failed ({err}); the request was not completed."
            ))),
        }
    }
}
