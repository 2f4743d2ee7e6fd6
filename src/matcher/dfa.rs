//! The automaton of the matcher's strings: a dense Aho-Corasick DFA that compares ASCII letters in
//! either case, built here because building aho-corasick's took half of the start-up (25 M
//! instructions for its NFA and then its DFA, against 2 M for this one).
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

/// No trie transition (while the trie is built).
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
        // The trie, a row of `stride` transitions per node; node 0 is the root.
        let mut goto: Vec<u32> = vec![NONE; stride];
        let mut own: Vec<Vec<u32>> = vec![Vec::new()];
        for (p, s) in strings.iter().enumerate() {
            let mut node = 0usize;
            for &b in s {
                let at = node * stride + usize::from(classes[usize::from(b)]);
                if goto[at] == NONE {
                    let next = own.len();
                    if (next + 1) * stride > MAX_TRANSITIONS {
                        return None;
                    }
                    goto[at] = next as u32;
                    goto.resize(goto.len() + stride, NONE);
                    own.push(Vec::new());
                }
                node = goto[at] as usize;
            }
            own[node].push(p as u32);
        }
        // Failure links and the rest of the transitions, breadth first: a node's failure node is
        // shallower, so its row is complete when the node's row is filled from it, and so is its
        // list of strings.
        let nodes = own.len();
        let mut fail = vec![0u32; nodes];
        let mut list: Vec<Vec<u32>> = vec![Vec::new(); nodes];
        let mut order = Vec::with_capacity(nodes);
        let mut queue = std::collections::VecDeque::new();
        order.push(0u32);
        for t in goto.iter_mut().take(stride) {
            match *t {
                NONE => *t = 0,
                child => {
                    list[child as usize] = own[child as usize].clone();
                    queue.push_back(child);
                }
            }
        }
        while let Some(x) = queue.pop_front() {
            order.push(x);
            let (row, f) = (x as usize * stride, fail[x as usize] as usize * stride);
            for c in 0..stride {
                match goto[row + c] {
                    NONE => goto[row + c] = goto[f + c],
                    child => {
                        let y = child as usize;
                        let fy = goto[f + c];
                        fail[y] = fy;
                        let mut l = std::mem::take(&mut own[y]);
                        l.extend_from_slice(&list[fy as usize]);
                        list[y] = l;
                        queue.push_back(child);
                    }
                }
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
        let mut trans = Vec::with_capacity(nodes * stride);
        let mut match_at = Vec::with_capacity(matching.len() + 1);
        let mut matches = Vec::new();
        for &x in matching.iter().chain(&other) {
            let row = x as usize * stride;
            trans.extend(goto[row..row + stride].iter().map(|&t| id(t)));
        }
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
