//! The `kaamgar` command.

fn main() -> std::process::ExitCode {
    kaamgar::cli::main()
}
