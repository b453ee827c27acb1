//! The `modelseal` command (being written).

fn main() {
    eprintln!("modelseal: not yet implemented");
    std::process::exit(2);
}
