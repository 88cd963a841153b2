//! The article body model and the pure helpers around it; no I/O here.

pub mod blocks;
pub mod comment_text;
pub mod controls;
pub mod cursor;
mod render;
pub mod slug;
pub mod snippet;
pub mod stems;
pub mod terms;

pub use blocks::{Block, Inline, Mark};
pub use render::{BodyFormat, RenderedBody, reading_time_minutes, render_html, render_text, word_count};
