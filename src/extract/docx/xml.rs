//! Small XML helpers shared by the DOCX part readers: namespace classification, attribute lookup and an
//! entity decoder that never expands anything but the five predefined entities and character references.

use quick_xml::events::BytesStart;
use quick_xml::name::ResolveResult;

/// The namespaces the reader cares about. Transitional and Strict OOXML are treated alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ns {
    /// WordprocessingML main.
    W,
    /// Markup compatibility (`mc:AlternateContent`).
    Mc,
    /// Office math.
    M,
    Other,
}

pub(crate) fn classify(res: &ResolveResult) -> Ns {
    match res {
        ResolveResult::Bound(ns) => match ns.0 {
            b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
            | b"http://purl.oclc.org/ooxml/wordprocessingml/main" => Ns::W,
            b"http://schemas.openxmlformats.org/markup-compatibility/2006" => Ns::Mc,
            b"http://schemas.openxmlformats.org/officeDocument/2006/math"
            | b"http://purl.oclc.org/ooxml/officeDocument/math" => Ns::M,
            _ => Ns::Other,
        },
        _ => Ns::Other,
    }
}

/// Value of the first attribute whose local name is `local` (prefix ignored), entity-decoded.
pub(crate) fn attr(e: &BytesStart, local: &[u8]) -> Option<String> {
    for a in e.attributes().with_checks(false).flatten() {
        if a.key.local_name().as_ref() == local {
            return Some(decode_text(&a.value, &mut false));
        }
    }
    None
}

pub(crate) fn attr_i64(e: &BytesStart, local: &[u8]) -> Option<i64> {
    attr(e, local).and_then(|v| v.trim().parse().ok())
}

/// `w:val` of an on/off property (`<w:vanish/>`, `<w:vanish w:val="0"/>`).
pub(crate) fn on_off(e: &BytesStart) -> bool {
    match attr(e, b"val") {
        None => true,
        Some(v) => !matches!(v.trim(), "0" | "false" | "off"),
    }
}

/// Decode XML text: the five predefined entities and numeric character references. Anything else
/// (an entity a DOCTYPE declared, e.g. an external-entity attack) is dropped and `unknown` set.
/// Invalid UTF-8 is replaced, never an error.
pub(crate) fn decode_text(raw: &[u8], unknown: &mut bool) -> String {
    let s = String::from_utf8_lossy(raw);
    if !s.contains('&') {
        return s.into_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest: &str = &s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[1..].find(';').map(|j| j + 1);
        match end {
            Some(j) if j <= 32 => {
                let name = &rest[1..j];
                let rep: Option<char> = match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ if name.starts_with("#x") || name.starts_with("#X") => {
                        u32::from_str_radix(&name[2..], 16)
                            .ok()
                            .and_then(char::from_u32)
                    }
                    _ if name.starts_with('#') => {
                        name[1..].parse::<u32>().ok().and_then(char::from_u32)
                    }
                    _ => None,
                };
                match rep {
                    Some(c) => out.push(c),
                    None => *unknown = true,
                }
                rest = &rest[j + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities() {
        let mut u = false;
        assert_eq!(
            decode_text(b"a &amp; b &#x4E2D;&#25991;", &mut u),
            "a & b 中文"
        );
        assert!(!u);
        assert_eq!(decode_text(b"\"&testent;\" & x", &mut u), "\"\" & x");
        assert!(u);
    }
}
