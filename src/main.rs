use clap::Parser;

fn main() -> std::process::ExitCode {
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
