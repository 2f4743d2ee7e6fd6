//! PDF extraction (stub; replaced by the lopdf-based text layer).

use super::{ExtractError, ExtractOptions};
use crate::document::Document;

pub fn extract(_bytes: &[u8], _opts: &ExtractOptions) -> Result<Document, ExtractError> {
    Err(ExtractError::Unsupported("PDF reader not built yet".into()))
}
