//! HEIF/HEIC kept as it is, minus its metadata: the ISO-BMFF container is read strictly
//! (every length checked against what holds it), and the bytes of every `Exif` item and
//! every XMP item (`mime`, `application/rdf+xml`) are overwritten in place with a blank of
//! the same length, so no offset in the file moves and the pictures are untouched.
//!
//! - [`scrub`]: the operation, returning what it did ([`Scrubbed`]).
//! - `boxes`: the bounds-checked box and field reader.
//! - `meta`: the `meta` box as data: items, their locations, the primary item's size.
//! - `blank`: the same-length replacements for an Exif and an XMP payload.

mod blank;
mod boxes;
mod meta;
mod scrub;

pub use scrub::{scrub, Scrubbed};
