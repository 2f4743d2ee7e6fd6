//! Thin binary: parse the command line, call the library, map outcomes to exit codes.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 3 && args[1] == "extract" {
        let path = std::path::Path::new(&args[2]);
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("tenderscan: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        };
        let ext = path.extension().and_then(|e| e.to_str());
        let kind = tenderscan::extract::sniff(&bytes, ext);
        match tenderscan::extract::extract(kind, &bytes, &Default::default()) {
            Ok(doc) => {
                print!("{}", doc.plain_text());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("tenderscan: {}: {e}", path.display());
                ExitCode::from(2)
            }
        }
    } else {
        eprintln!("usage: tenderscan extract FILE");
        ExitCode::from(2)
    }
}
