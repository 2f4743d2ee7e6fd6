//! Debug helper: load with a password and show pages.
fn main() {
    let p = std::env::args().nth(1).unwrap_or_default();
    let pw = std::env::args().nth(2);
    let bytes = std::fs::read(&p).unwrap_or_default();
    let o = lopdf::LoadOptions {
        password: pw,
        ..Default::default()
    };
    match lopdf::Document::load_mem_with_options(&bytes, o) {
        Ok(d) => {
            println!(
                "enc {} was {} pages {}",
                d.is_encrypted(),
                d.was_encrypted(),
                d.get_pages().len()
            );
            for (n, id) in d.get_pages().into_iter().take(2) {
                println!("page {n} {:?}", d.get_object(id));
                println!(
                    "content {:?}",
                    d.get_page_content(id)
                        .iter()
                        .take(200)
                        .map(|&b| b as char)
                        .collect::<String>()
                );
            }
        }
        Err(e) => println!("err {e:?}"),
    }
}
