//! The persistent upload queue's brain, in plain Rust: which item to send next, what a
//! failed answer means, when to try again, and — when an answer was lost — whether the
//! server stored the Media anyway. Storage, timers and HTTP belong to the JS driver
//! (`www/lib/queue.js`), which talks to this through `web::queue::QueueCore`.
//!
//! - [`item`]: an item, its lifecycle [`State`] and the persisted snapshot.
//! - [`options`]: [`QueueOptions`] checked into the [`Config`] the queue runs on.
//! - [`protocol`]: [`Command`]s out, [`CommandOutcome`]s back, a person's [`Review`].
//! - [`scheduler`]: [`Queue`]: poll → commands, settle ← outcomes.
//! - [`backoff`]: exponential delays with jitter and `Retry-After`.
//! - [`reconcile`]: the verdict from a search after an unknown outcome.
//! - [`rng`]: the seeded jitter source.

pub mod backoff;
pub mod item;
pub mod options;
pub mod protocol;
pub mod reconcile;
pub mod rng;
pub mod scheduler;

pub use item::{Item, ItemError, NewItem, State};
pub use options::{Config, QueueOptions};
pub use protocol::{classify, Class, Command, CommandOutcome, Review};
pub use reconcile::Verdict;
pub use scheduler::Queue;
