// The API allocates many small, short-lived objects per request (JSON and GraphQL values);
// mimalloc serves that pattern markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    masthead::cli::main()
}
