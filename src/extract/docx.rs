//! DOCX extraction (stub; replaced by the zip + quick-xml reader).

use super::{ExtractError, ExtractOptions};
use crate::document::Document;

pub fn extract(_bytes: &[u8], _opts: &ExtractOptions) -> Result<Document, ExtractError> {
    Err(ExtractError::Unsupported(
        "DOCX reader not built yet".into(),
    ))
}
