//! The automaton of the matcher's strings: a dense Aho-Corasick DFA that compares ASCII letters in
//! either case, built here because building aho-corasick's NFA and then its DFA is a large share of
//! a scan's start-up, and building this one a small fraction of that.
//!
//! It finds what aho-corasick's DFA finds with `MatchKind::Standard` and
//! `ascii_case_insensitive(true)`, in the same order: in each state, the strings that end there
//! (in the order given), then those of its failure state. The search loops in `matcher.rs` run
//! over either, through [`super::Steps`]. The empty string is not supported (`build` declines).

use super::Steps;
use aho_corasick::automaton::StateID;
use aho_corasick::{Anchored, PatternID};

/// Most transitions (states × byte classes) built: 16 M, 64 MB. Larger string lists take
/// aho-corasick's NFA instead.
const MAX_TRANSITIONS: usize = 1 << 24;

/// No child (in the root's table while the trie is built).
const NONE: u32 = u32::MAX;

#[derive(Debug)]
pub(super) struct Dfa {
    /// The class of each byte, ASCII upper-case letters with their lower case.
    classes: [u8; 256],
    /// Transitions: state `s` (a multiple of the row length) goes to `trans[s + class]`.
    trans: Vec<u32>,
    /// States below this one match (they come first).
    matching_end: u32,
    /// log2 of the row length (the class count, rounded up to a power of two).
    stride2: u32,
    /// For the match state of row `r`: its strings are `matches[match_at[r]..match_at[r + 1]]`.
    match_at: Vec<u32>,
    matches: Vec<u32>,
    lens: Vec<u32>,
    start: u32,
}

impl Dfa {
    /// The automaton of `strings`, or `None` when one is empty or it would be too large.
    pub(super) fn build(strings: &[Vec<u8>]) -> Option<Dfa> {
        if strings.iter().any(|s| s.is_empty()) || strings.len() >= u32::MAX as usize / 2 {
            return None;
        }
        // Classes: 0 for the bytes in no string, one of its own for each byte that is in one.
        let mut classes = [0u8; 256];
        let mut used = [false; 256];
        for s in strings {
            for &b in s {
                used[usize::from(b.to_ascii_lowercase())] = true;
            }
        }
        let mut n = 1u32;
        for b in 0..=255u8 {
            if used[usize::from(b)] {
                if n > 255 {
                    return None;
                }
                classes[usize::from(b)] = n as u8;
                n += 1;
            }
        }
        for b in b'A'..=b'Z' {
            classes[usize::from(b)] = classes[usize::from(b.to_ascii_lowercase())];
        }
        // A power of two, so that a state's row is a shift away from it (at each match).
        let stride = (n as usize).next_power_of_two();
        // The trie: each node's children (class, node), node 0 the root (whose are also in `root`,
        // by class), and the strings that end at each node.
        let total: usize = strings.iter().map(Vec::len).sum();
        let mut kids: Vec<Vec<(u8, u32)>> = Vec::with_capacity(total + 1);
        let mut own: Vec<Vec<u32>> = Vec::with_capacity(total + 1);
        kids.push(Vec::new());
        own.push(Vec::new());
        let mut root = [NONE; 256];
        for (p, s) in strings.iter().enumerate() {
            let mut node = 0usize;
            for &b in s {
                let c = classes[usize::from(b)];
                let found = if node == 0 {
                    Some(root[usize::from(c)]).filter(|&k| k != NONE)
                } else {
                    kids[node].iter().find(|&&(k, _)| k == c).map(|&(_, k)| k)
                };
                node = match found {
                    Some(k) => k as usize,
                    None => {
                        let next = kids.len();
                        if (next + 1) * stride > MAX_TRANSITIONS {
                            return None;
                        }
                        kids[node].push((c, next as u32));
                        if node == 0 {
                            root[usize::from(c)] = next as u32;
                        }
                        kids.push(Vec::new());
                        own.push(Vec::new());
                        next
                    }
                };
            }
            own[node].push(p as u32);
        }
        let child = |node: u32, c: u8| -> Option<u32> {
            if node == 0 {
                Some(root[usize::from(c)]).filter(|&k| k != NONE)
            } else {
                kids[node as usize]
                    .iter()
                    .find(|&&(k, _)| k == c)
                    .map(|&(_, k)| k)
            }
        };
        // Failure links breadth first (a node's failure node is shallower), and with them each
        // node's strings: its own, then its failure node's.
        let nodes = kids.len();
        let mut fail = vec![0u32; nodes];
        let mut list: Vec<Vec<u32>> = vec![Vec::new(); nodes];
        let mut order: Vec<u32> = Vec::with_capacity(nodes);
        order.push(0);
        let mut at = 0;
        while at < order.len() {
            let x = order[at];
            at += 1;
            for &(c, y) in &kids[x as usize] {
                let mut f = fail[x as usize];
                let fy = loop {
                    if x == 0 {
                        break 0;
                    }
                    if let Some(k) = child(f, c) {
                        break k;
                    }
                    if f == 0 {
                        break 0;
                    }
                    f = fail[f as usize];
                };
                fail[y as usize] = fy;
                let mut l = std::mem::take(&mut own[y as usize]);
                l.extend_from_slice(&list[fy as usize]);
                list[y as usize] = l;
                order.push(y);
            }
        }
        // Match states first, then the others, each in breadth-first order.
        let (matching, other): (Vec<u32>, Vec<u32>) =
            order.iter().partition(|&&x| !list[x as usize].is_empty());
        let mut rank = vec![0u32; nodes];
        for (r, &x) in matching.iter().chain(&other).enumerate() {
            rank[x as usize] = r as u32;
        }
        let id = |node: u32| rank[node as usize] * stride as u32;
        // Each row: its failure node's (written before it, breadth first), with its own children.
        let mut trans = vec![0u32; nodes * stride];
        for &x in &order {
            let row = id(x) as usize;
            if x == 0 {
                trans[row..row + stride].fill(id(0));
            } else {
                let f = id(fail[x as usize]) as usize;
                trans.copy_within(f..f + stride, row);
            }
            for &(c, y) in &kids[x as usize] {
                trans[row + usize::from(c)] = id(y);
            }
        }
        let mut match_at = Vec::with_capacity(matching.len() + 1);
        let mut matches = Vec::new();
        for &x in &matching {
            match_at.push(matches.len() as u32);
            matches.extend_from_slice(&list[x as usize]);
        }
        match_at.push(matches.len() as u32);
        Some(Dfa {
            classes,
            trans,
            matching_end: (matching.len() * stride) as u32,
            stride2: stride.trailing_zeros(),
            match_at,
            matches,
            lens: strings.iter().map(|s| s.len() as u32).collect(),
            start: id(0),
        })
    }

    fn row(&self, sid: StateID) -> usize {
        sid.as_usize() >> self.stride2
    }
}

impl Steps for Dfa {
    fn start_state(&self, _anchored: Anchored) -> Result<StateID, ()> {
        Ok(StateID::new_unchecked(self.start as usize))
    }

    #[inline(always)]
    fn next_state(&self, _anchored: Anchored, sid: StateID, byte: u8) -> StateID {
        let class = u32::from(self.classes[usize::from(byte)]);
        StateID::new_unchecked(self.trans[(sid.as_u32() + class) as usize] as usize)
    }

    #[inline(always)]
    fn is_special(&self, sid: StateID) -> bool {
        sid.as_u32() < self.matching_end
    }

    fn is_dead(&self, _sid: StateID) -> bool {
        false
    }

    fn is_match(&self, sid: StateID) -> bool {
        sid.as_u32() < self.matching_end
    }

    fn match_len(&self, sid: StateID) -> usize {
        let r = self.row(sid);
        match (self.match_at.get(r), self.match_at.get(r + 1)) {
            (Some(&a), Some(&b)) if self.is_match(sid) => (b - a) as usize,
            _ => 0,
        }
    }

    fn match_pattern(&self, sid: StateID, index: usize) -> PatternID {
        let at = self.match_at[self.row(sid)] as usize + index;
        PatternID::new_unchecked(self.matches[at] as usize)
    }

    fn pattern_len(&self, pid: PatternID) -> usize {
        self.lens[pid.as_usize()] as usize
    }
}
