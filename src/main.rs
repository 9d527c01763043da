use clap::Parser;

fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
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

/// glibc gives busy threads arenas of their own (up to 8 per core); with a pool of blocking
/// database threads that multiplies memory kept but unused. Two arenas hold peak RSS down
/// (see bench/run.sh) without a measurable cost in throughput.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    // SAFETY: mallopt only tunes the allocator; called first thing, before any thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}
