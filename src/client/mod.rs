//! The FHIR Media client's logic, in plain Rust (no web-sys): the checked base URL and
//! request URLs, the token header, response headers, reading every answer into a result or a
//! [`ClientError`] (with `Retry-After`), the search page model, and the per-encounter create gate. The web
//! edge (`web::client`) only moves requests and answers between the browser and these.

pub mod content;
pub mod errors;
pub mod gate;
pub mod headers;
pub mod location;
pub mod response;
pub mod retry_after;
pub mod search;
pub mod token;
pub mod url;

pub use errors::ClientError;
pub use gate::KeyedGate;
pub use response::Created;
pub use search::{Page, SearchQuery};
pub use token::Authorization;
pub use url::BaseUrl;
