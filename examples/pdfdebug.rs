//! Debug helper: print warnings, page counts and blocks of a PDF.
fn main() {
    for p in std::env::args().skip(1) {
        let bytes = std::fs::read(&p).unwrap_or_default();
        let t = std::time::Instant::now();
        match tenderscan::extract::pdf::extract(&bytes, &Default::default()) {
            Ok(d) => {
                println!(
                    "{p}: pages {:?} without text {} blocks {} warnings {:?} {:?}",
                    d.pages,
                    d.pages_without_text,
                    d.blocks.len(),
                    d.warnings,
                    t.elapsed()
                );
                if std::env::var_os("BLOCKS").is_some() {
                    for b in &d.blocks {
                        println!(
                            "{:?} {:?} {:?}",
                            b.kind,
                            b.location.page,
                            b.text.chars().take(70).collect::<String>()
                        );
                    }
                }
            }
            Err(e) => println!("{p}: error {e} {:?}", t.elapsed()),
        }
    }
}
