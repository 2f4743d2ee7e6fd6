//! Defined terms: a contract that defines a term by the vendors it covers ("Covered equipment
//! means ... equipment produced by Huawei ...", 本契約所稱「大陸廠牌」，係指華為...) and then prohibits
//! the term ("The Contractor shall not provide covered equipment") excludes those vendors, though
//! the definition itself has no cue. A definition of the vendor's own name ("ZTE" means ZTE
//! Corporation) only names it.

/// A definition's head at the start of a unit, after enumerators: the defined term (`en`, `zh1` or
/// `zh2`) and its verb. Matched in the normalised text (Traditional characters; ASCII case
/// ignored).
pub(super) const DEFINED_TERM: &str = concat!(
    r#"(?i)^\s*(?:(?:\(?[0-9a-z]{1,4}[.)]|[一二三四五六七八九十百]+、|[(（][一二三四五六七八九十0-9]{1,3}[)）]|第[一二三四五六七八九十百0-9]+條)\s*)*"#,
    r#"(?:(?:名詞(?:解釋|定義)|用語定義|定義)[:：]\s*)?"#,
    r#"(?:(?:(?:definitions?|defined terms?)[.:]\s*)?["“”'‘’]?(?P<en>[a-z][a-z0-9 -]{1,60}?)["“”'‘’]?,?\s+(?:means|shall mean|refers to|is defined as)\b"#,
    r#"|(?:本[^\s，,。]{0,6})?所稱[「『]?(?P<zh1>[^\s，,。「」『』]{2,16}?)[」』]?[，,:：]?\s*(?:係指|是指|指)"#,
    r#"|[「『](?P<zh2>[^」』]{2,16})[」』][，,:：]?\s*(?:係指|是指|指))"#,
);

/// The defined term of a [`DEFINED_TERM`] match.
pub(super) fn term_of<'t>(c: &regex::Captures<'t>) -> Option<regex::Match<'t>> {
    ["en", "zh1", "zh2"].iter().find_map(|n| c.name(n))
}

/// The longest stretch between a prohibition and the term it governs ("shall not provide covered
/// equipment": " provide ").
pub(super) const CUE_TO_TERM: usize = 40;

/// A term defined in unit `unit`, and the mentions its definition names (indexes into the
/// judge's findings, each with the head of its message: "Huawei (name, banned on ...)").
#[derive(Debug)]
pub(super) struct DefinedTerm {
    pub term: String,
    pub unit: usize,
    /// In the defining unit, where the definition's clause ends: the term used after it ("...
    /// means Huawei or ZTE. No equipment of a covered vendor shall be supplied.") counts.
    pub after: usize,
    pub mentions: Vec<(usize, String, bool)>,
}

/// Whether `term` is specific enough to stand for what its definition names: two words or more
/// ("covered equipment", not "equipment"), or two CJK characters or more.
pub(super) fn linkable(term: &str) -> bool {
    let cjk = !term.is_ascii();
    if cjk {
        term.chars().count() >= 2
    } else {
        term.split_whitespace().count() >= 2
    }
}

/// The byte offsets of `term` in `t` as a whole word (ASCII letters and digits do not continue it);
/// both in ASCII lower case.
pub(super) fn occurrences<'a>(t: &'a str, term: &'a str) -> impl Iterator<Item = usize> + 'a {
    t.match_indices(term).map(|(i, _)| i).filter(move |&i| {
        let before = t[..i].chars().next_back();
        let after = t[i + term.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        !word(before) && !word(after)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn term(t: &str) -> Option<String> {
        let re = Regex::new(DEFINED_TERM).unwrap();
        let c = re.captures(t)?;
        term_of(&c).map(|m| m.as_str().to_string())
    }

    #[test]
    fn definition_heads() {
        assert_eq!(
            term("(b) covered equipment means— (1) telecommunications equipment").as_deref(),
            Some("covered equipment")
        );
        assert_eq!(
            term("\"zte\" means zte corporation").as_deref(),
            Some("zte")
        );
        assert_eq!(
            term("(a) definitions. \"prohibited vendor\" means huawei").as_deref(),
            Some("prohibited vendor")
        );
        assert_eq!(
            term("一、本契約所稱「大陸廠牌」，係指華為、中興").as_deref(),
            Some("大陸廠牌")
        );
        assert_eq!(
            term("「禁用廠牌」係指下列廠牌").as_deref(),
            Some("禁用廠牌")
        );
        assert_eq!(term("the contractor shall supply 40 cameras"), None);
        // A pronoun is no term to link (one word), nor a vendor's name.
        assert_eq!(
            term("this means that huawei is excluded").as_deref(),
            Some("this")
        );
        assert!(!linkable("this"));
    }

    #[test]
    fn chinese_definitions_after_an_article_number() {
        assert_eq!(
            term("第一條　名詞解釋：「海康」：指杭州海康威視數字技術股份有限公司。").as_deref(),
            Some("海康")
        );
    }

    #[test]
    fn terms_and_occurrences() {
        assert!(linkable("covered equipment"));
        assert!(!linkable("equipment"));
        assert!(linkable("大陸廠牌"));
        let t = "shall not provide covered equipment; uncovered equipment is fine";
        assert_eq!(
            occurrences(t, "covered equipment").collect::<Vec<_>>(),
            vec![18]
        );
    }
}
