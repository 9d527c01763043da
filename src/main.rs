use clap::Parser;

/// mimalloc for Rust's allocations; with its `override` feature it is also the process's malloc,
/// which SQLite allocates with. Each thread allocates from a heap of its own: glibc's malloc
/// shared its arenas among the database threads, which queued on their locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    return_freed_memory();
    // A missing .env file is normal; a malformed one is reported by the settings that fail to parse.
    let _ = dotenvy::dotenv();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = byline::cli::Cli::parse();
    match byline::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("byline: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// mimalloc keeps freed memory a second before it gives it back: with a heap per database
/// thread, that and its committing memory up front (off at build time: `.cargo/config.toml`)
/// more than doubled peak RSS (147 MiB against 41 at 100,000 posts). Given back at once, peak
/// RSS stays near glibc's (49 MiB) and searches lose nothing measurable.
fn return_freed_memory() {
    // `mi_option_purge_delay` in the mimalloc 3 that libmimalloc-sys bundles (`mi_option_e`;
    // the version is pinned by Cargo.lock), which its Rust bindings do not name.
    const PURGE_DELAY: std::ffi::c_int = 15;
    unsafe extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    // SAFETY: mimalloc's documented API; this option is read whenever memory is freed.
    unsafe { mi_option_set(PURGE_DELAY, 0) };
}
