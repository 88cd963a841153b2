//! The article body model and the pure helpers around it; no I/O here.

pub mod blocks;
pub mod comment_text;
pub mod controls;
pub mod cursor;
pub mod html;
mod render;
pub mod slug;
pub mod snippet;
pub mod status;
pub mod stems;
pub mod terms;

pub use blocks::{Block, Inline, Mark};
pub use render::{BodyFormat, RenderedBody, reading_time_minutes, render_html, render_text, word_count};

/// The derived columns of an article, computed from its body the same way everywhere.
pub(crate) struct BodyStats {
    pub json: String,
    pub word_count: i32,
    pub reading_time_minutes: i32,
}

pub(crate) fn body_stats(blocks: &[Block]) -> BodyStats {
    let words = word_count(blocks);
    BodyStats {
        json: blocks::to_json(blocks),
        word_count: i32::try_from(words).unwrap_or(i32::MAX),
        reading_time_minutes: i32::try_from(reading_time_minutes(words)).unwrap_or(i32::MAX),
    }
}
