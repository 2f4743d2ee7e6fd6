//! Print the blocks tenderscan extracts from a file, one per line with kind and location.
//! `cargo run --example dump_blocks -- FILE`
fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).expect("read");
        let ext = std::path::Path::new(&path)
            .extension()
            .and_then(|e| e.to_str());
        let kind = tenderscan::extract::sniff(&bytes, ext);
        match tenderscan::extract::extract(kind, &bytes, &Default::default()) {
            Ok(d) => {
                println!("{path}: {:?}, {} blocks", d.format, d.blocks.len());
                for b in &d.blocks {
                    let l = &b.location;
                    println!(
                        "{:>4} {:?}{} clause={:?} cell={:?}: {:?}",
                        l.paragraph,
                        b.kind,
                        if b.hidden { " hidden" } else { "" },
                        l.clause,
                        l.cell.map(|c| (c.table, c.row, c.col)),
                        b.text
                    );
                }
                for w in &d.warnings {
                    println!("warning: {w}");
                }
            }
            Err(e) => println!("{path}: error ({}): {e}", e.class()),
        }
    }
}
